import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { sha256Hex } from "../../../../lib/crypto/hash";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { newApiKey } from "../admin/create-tenant";
import { ApiKeySchema, apiKeyView, CreateApiKeySchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "Create an API key",
  description: "The key is in this answer only; the service keeps its SHA-256 hash.",
  security: bearerSecurity,
  middleware: [requireRole("admin"), idempotent] as const,
  request: { body: jsonBody(CreateApiKeySchema) },
  responses: {
    201: jsonResponse(ApiKeySchema.extend({ key: z.string() }), "The key, shown once"),
    ...problemResponses(400, 401, 403, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { name, role } = c.req.valid("json");
  const caller = c.get("caller");
  const key = newApiKey();
  const store = tenantStore(c.env.DB, caller.tenantId);
  const record = await store.createApiKey({
    name,
    role,
    keyHash: await sha256Hex(key),
    keyPrefix: key.slice(0, 10),
  });
  await store.audit(caller.keyId, "api_key.create", record.id, { role });
  return c.json({ ...apiKeyView(record), key }, 201);
};
