import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, problemResponses } from "../../schemas";

export const route = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["API keys"],
  summary: "Revoke an API key",
  description: "The key stops working everywhere within 10 seconds (the longest any isolate caches a key).",
  security: bearerSecurity,
  middleware: [requireRole("admin")] as const,
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(100)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: { 204: { description: "Revoked" }, ...problemResponses(401, 403, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const caller = c.get("caller");
  const store = tenantStore(c.env.DB, caller.tenantId);
  if (!(await store.revokeApiKey(id))) throw new ApiError("not_found", `no active API key ${id}`);
  await store.audit(caller.keyId, "api_key.revoke", id);
  return c.body(null, 204);
};
