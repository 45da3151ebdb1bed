import { z } from "@hono/zod-openapi";
import type { CircuitRow } from "../../../db/tenant-store";
import type { Env } from "../../../env";
import type { TenantRecord } from "../../context";
import { effectiveRateLimit } from "../../middleware/rate-limit";
import { BusinessHoursSchema, HolidayRegionSchema, TimezoneSchema } from "../../schemas";
import { RetryConfigSchema } from "../schedules/schema";

export const WebhookUrlSchema = z
  .string()
  .max(2048)
  .openapi({ example: "https://example.com/hooks/notifications" });

const tenantSettingsFields = {
  webhookUrl: WebhookUrlSchema,
  defaultTimezone: TimezoneSchema,
  businessHours: BusinessHoursSchema.nullable(),
  holidayCountry: HolidayRegionSchema.nullable(),
  webhookTimeoutMs: z.number().int().min(1000).max(30_000).nullable(),
  maxPerUserPerDay: z
    .number()
    .int()
    .min(1)
    .max(100)
    .nullable()
    .openapi({ description: "Frequency cap for send-time optimization: schedules per user within any 24 h" }),
  explorationShare: z.number().min(0).max(1).nullable().openapi({
    description:
      "Share of optimized sends placed at a random allowed time instead (sendTimeSource exploration), so that training keeps learning what every hour is worth; 0.05 is a sensible start",
  }),
  retryConfig: RetryConfigSchema.nullable(),
  rateLimit: z
    .object({
      requestsPerSecond: z.number().min(0.01).max(10_000),
      burst: z.number().int().min(1).max(20_000).optional().openapi({
        description:
          "Most requests at once after a quiet spell; default twice requestsPerSecond (at least 1)",
      }),
    })
    .strict()
    .nullable()
    .openapi({
      description:
        "The tenant's API budget (a token bucket over all its keys); beyond it requests get 429 with Retry-After. null: the deployment's default",
    }),
};

const RateLimitSchema = z.object({ requestsPerSecond: z.number(), burst: z.number() }).openapi("RateLimit");

export const CreateTenantSchema = z
  .object({
    name: z.string().min(1).max(200),
    webhookUrl: WebhookUrlSchema,
    defaultTimezone: TimezoneSchema.optional(),
    businessHours: BusinessHoursSchema.optional(),
    holidayCountry: tenantSettingsFields.holidayCountry.optional(),
    webhookTimeoutMs: tenantSettingsFields.webhookTimeoutMs.optional(),
    retryConfig: tenantSettingsFields.retryConfig.optional(),
    rateLimit: tenantSettingsFields.rateLimit.optional(),
    idempotencyKey: z.string().optional(),
  })
  .strict()
  .openapi("CreateTenant");

export const UpdateTenantSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    webhookUrl: tenantSettingsFields.webhookUrl.optional(),
    defaultTimezone: tenantSettingsFields.defaultTimezone.optional(),
    businessHours: tenantSettingsFields.businessHours.optional(),
    holidayCountry: tenantSettingsFields.holidayCountry.optional(),
    webhookTimeoutMs: tenantSettingsFields.webhookTimeoutMs.optional(),
    retryConfig: tenantSettingsFields.retryConfig.optional(),
    maxPerUserPerDay: tenantSettingsFields.maxPerUserPerDay.optional(),
    explorationShare: tenantSettingsFields.explorationShare.optional(),
    rateLimit: tenantSettingsFields.rateLimit.optional(),
  })
  .strict()
  .openapi("UpdateTenant");

export const WebhookCircuitSchema = z
  .object({
    status: z.enum(["closed", "open", "half_open"]),
    reason: z.string().nullable(),
    openedAt: z.string().nullable(),
    retryAt: z.string().nullable().openapi({ description: "When the next probe may go (open)" }),
    changedAt: z.string().nullable(),
  })
  .openapi("WebhookCircuit", {
    description:
      "Circuit breaker of the tenant's webhook endpoint: while open, deliveries wait without using attempts",
  });

export const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    webhookUrl: z.string(),
    defaultTimezone: z.string(),
    businessHours: BusinessHoursSchema.nullable(),
    holidayCountry: z.string().nullable(),
    webhookTimeoutMs: z.number().nullable(),
    maxPerUserPerDay: z.number().nullable(),
    explorationShare: z.number().nullable(),
    retryConfig: RetryConfigSchema.nullable(),
    rateLimit: RateLimitSchema.nullable().openapi({
      description: "The tenant's own API budget; null: the deployment's",
    }),
    appliedRateLimit: RateLimitSchema.nullable().openapi({
      description: "The API budget in force (the tenant's own or the deployment's); null: not limited",
    }),
    webhookCircuit: WebhookCircuitSchema.optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Tenant");

/** The webhook endpoint's circuit breaker, as its object last published it (closed if never). */
export function circuitView(row: CircuitRow | undefined) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  if (!row)
    return { status: "closed" as const, reason: null, openedAt: null, retryAt: null, changedAt: null };
  return {
    status: row.status,
    reason: row.reason,
    openedAt: iso(row.openedAt),
    retryAt: iso(row.retryAt),
    changedAt: iso(row.changedAt),
  };
}

/** The public tenant: never the webhook secret. */
export function tenantView(t: TenantRecord, env: Env) {
  return {
    id: t.id,
    name: t.name,
    webhookUrl: t.webhookUrl,
    defaultTimezone: t.defaultTimezone,
    businessHours: t.settings.businessHours ?? null,
    holidayCountry: t.settings.holidayCountry ?? null,
    webhookTimeoutMs: t.settings.webhookTimeoutMs ?? null,
    maxPerUserPerDay: t.settings.maxPerUserPerDay ?? null,
    explorationShare: t.settings.explorationShare ?? null,
    retryConfig: t.settings.retryConfig ?? null,
    rateLimit: t.settings.rateLimit ?? null,
    appliedRateLimit: effectiveRateLimit(env, t),
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt).toISOString(),
  };
}
