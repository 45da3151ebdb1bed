import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { overCeiling, selfServiceCeiling, withDefaultBurst } from "../../../../lib/ops/rate-limit";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { forgetCachedTenant, requireRole } from "../../middleware/auth";
import { deploymentLimit, effectiveRateLimit } from "../../middleware/rate-limit";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { TenantSchema, tenantView, UpdateTenantSchema } from "./schema";
import { assertWebhookUrl } from "./webhook-url";

export const route = createRoute({
  method: "patch",
  path: "/v1/tenant",
  tags: ["Tenant"],
  summary: "Change the caller's tenant settings",
  security: bearerSecurity,
  middleware: [requireRole("admin")] as const,
  request: { body: jsonBody(UpdateTenantSchema) },
  responses: { 200: jsonResponse(TenantSchema, "The tenant"), ...problemResponses(400, 401, 403, 415) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const caller = c.get("caller");
  if (body.webhookUrl) assertWebhookUrl(c.env, body.webhookUrl);
  const store = tenantStore(c.env.DB, caller.tenantId);
  const current = await store.getTenant();
  if (!current) throw new ApiError("not_found", "tenant not found");
  const {
    businessHours,
    holidayCountry,
    webhookTimeoutMs,
    retryConfig,
    maxPerUserPerDay,
    explorationShare,
    rateLimit,
    ...columns
  } = body;
  const settings = { ...current.settings };
  if (businessHours !== undefined) settings.businessHours = businessHours;
  if (holidayCountry !== undefined) settings.holidayCountry = holidayCountry;
  if (webhookTimeoutMs !== undefined) settings.webhookTimeoutMs = webhookTimeoutMs;
  if (retryConfig !== undefined) settings.retryConfig = retryConfig;
  if (maxPerUserPerDay !== undefined) settings.maxPerUserPerDay = maxPerUserPerDay;
  if (explorationShare !== undefined) settings.explorationShare = explorationShare;
  if (rateLimit) {
    const requested = withDefaultBurst(rateLimit);
    const ceiling = selfServiceCeiling(deploymentLimit(c.env), effectiveRateLimit(c.env, current));
    const errors = overCeiling(requested, ceiling);
    if (errors.length > 0)
      throw new ApiError("validation_error", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
    settings.rateLimit = requested;
  } else if (rateLimit === null) settings.rateLimit = null;
  await store.updateTenant({ ...columns, settings });
  await store.audit(caller.keyId, "tenant.update", caller.tenantId, Object.keys(body));
  forgetCachedTenant(caller.tenantId);
  return c.json(tenantView((await store.getTenant())!, c.env), 200);
};
