import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { encryptValue, parseKeyring } from "../../../../lib/crypto/encryption";
import { randomToken, sha256Hex } from "../../../../lib/crypto/hash";
import { newWebhookSecret } from "../../../../lib/crypto/webhook-signature";
import { newId } from "../../../../lib/ids";
import { withDefaultBurst } from "../../../../lib/ops/rate-limit";
import { systemStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { jsonBody, jsonResponse, operatorProblemResponses } from "../../schemas";
import { CreateTenantSchema, TenantSchema, tenantView } from "../tenant/schema";
import { assertWebhookUrl } from "../tenant/webhook-url";

export const route = createRoute({
  method: "post",
  path: "/v1/admin/tenants",
  tags: ["Admin"],
  summary: "Create a tenant (operator ADMIN_TOKEN)",
  description:
    "Answers the tenant's first key (role admin) and webhook signing secret. Both are shown only once.",
  security: [{ adminToken: [] }],
  request: { body: jsonBody(CreateTenantSchema) },
  responses: {
    201: jsonResponse(
      z.object({ tenant: TenantSchema, apiKey: z.string(), webhookSecret: z.string() }),
      "The tenant with its first admin key",
    ),
    ...operatorProblemResponses(400, 401, 415),
  },
});

export function newApiKey() {
  return `sk_${randomToken(24)}`;
}

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  assertWebhookUrl(c.env, body.webhookUrl);
  const now = Date.now();
  const apiKey = newApiKey();
  const webhookSecret = newWebhookSecret();
  const id = newId("ten");
  const tenant = {
    id,
    name: body.name,
    webhookUrl: body.webhookUrl,
    // Stored sealed; the plaintext secret is in this answer only.
    webhookSecret: await encryptValue(
      parseKeyring(c.env.ENCRYPTION_KEYS),
      webhookSecret,
      `${id}:webhook_secret`,
    ),
    defaultTimezone: body.defaultTimezone ?? "UTC",
    settings: {
      businessHours: body.businessHours ?? null,
      holidayCountry: body.holidayCountry ?? null,
      webhookTimeoutMs: body.webhookTimeoutMs ?? null,
      retryConfig: body.retryConfig ?? null,
      rateLimit: body.rateLimit ? withDefaultBurst(body.rateLimit) : null,
    },
    createdAt: now,
    updatedAt: now,
  };
  await systemStore.createTenant(c.env.DB, tenant, {
    name: "initial admin key",
    keyHash: await sha256Hex(apiKey),
    keyPrefix: apiKey.slice(0, 10),
  });
  return c.json({ tenant: tenantView(tenant, c.env), apiKey, webhookSecret }, 201);
};
