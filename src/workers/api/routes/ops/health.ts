import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { parseKeyring } from "../../../../lib/crypto/encryption";
import { timingSafeEqual } from "../../../../lib/crypto/hash";
import { systemStore } from "../../../db/tenant-store";
import { aiScorerDetails, aiScorerHealth } from "../../../optimizer/ai";
import type { AppEnv } from "../../context";
import { credential } from "../../middleware/auth";
import { jsonResponse } from "../../schemas";

const Check = z.enum(["ok", "degraded", "down"]);
const HealthSchema = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]),
    checks: z.object({ d1: Check, durableObjects: Check, queue: Check, optimizer: Check, encryption: Check }),
    details: z.object({
      webhookCircuits: z
        .object({
          open: z.number(),
          halfOpen: z.number(),
          endpoints: z
            .array(
              z.object({
                tenantId: z.string(),
                status: z.enum(["open", "half_open"]),
                reason: z.string(),
                retryAt: z.string().nullable(),
                changedAt: z.string(),
              }),
            )
            .optional()
            .openapi({ description: "Only with the operator's ADMIN_TOKEN as bearer" }),
        })
        .openapi({ description: "Tenant endpoints whose circuit breaker is not closed (up to 50)" }),
      aiScorer: z
        .object({
          configured: z.boolean(),
          model: z.string(),
          breaker: z.enum(["closed", "open", "half_open"]),
          lastError: z.string().nullable(),
        })
        .openapi({ description: "The optional Workers AI second opinion for send times" }),
    }),
    version: z.string(),
  })
  .openapi("Health");

export const VERSION = "0.1.0";

export const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["Operations"],
  summary: "Liveness of D1, a Durable Object round trip and the Queue binding",
  responses: {
    200: jsonResponse(HealthSchema, "Healthy or degraded"),
    503: jsonResponse(HealthSchema, "Unhealthy"),
  },
});

async function probe(check: () => Promise<unknown>): Promise<"ok" | "down"> {
  try {
    await check();
    return "ok";
  } catch (error) {
    console.error(JSON.stringify({ msg: "health check failed", error: String(error) }));
    return "down";
  }
}

/** Open circuits are the tenants' endpoints failing, not this service: details, not status. */
async function webhookCircuits(db: D1Database, operator: boolean) {
  try {
    const rows = await systemStore.unhealthyEndpoints(db);
    const endpoints = rows.map((r) => ({
      tenantId: r.tenantId,
      status: r.status as "open" | "half_open",
      reason: r.reason,
      retryAt: r.retryAt === null ? null : new Date(r.retryAt).toISOString(),
      changedAt: new Date(r.changedAt).toISOString(),
    }));
    return {
      open: rows.filter((r) => r.status === "open").length,
      halfOpen: rows.filter((r) => r.status === "half_open").length,
      ...(operator ? { endpoints } : {}),
    };
  } catch {
    return { open: 0, halfOpen: 0 };
  }
}

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const token = credential(c);
  const operator = Boolean(token && c.env.ADMIN_TOKEN && timingSafeEqual(token, c.env.ADMIN_TOKEN));
  const [d1, durableObjects, circuits] = await Promise.all([
    probe(() => c.env.DB.prepare("SELECT 1").first()),
    // The object name starts with a reserved non-tenant prefix, so no tenant can ever own it.
    probe(() => c.env.USER_SCHEDULER.get(c.env.USER_SCHEDULER.idFromName("_system:health")).ping()),
    webhookCircuits(c.env.DB, operator),
  ]);
  const queue = typeof c.env.EXECUTIONS?.send === "function" ? ("ok" as const) : ("down" as const);
  const encryption = await probe(async () => parseKeyring(c.env.ENCRYPTION_KEYS));
  // The built-in optimizer needs nothing outside this Worker; an optional AI scorer that is failing
  // degrades it (the built-in model answers meanwhile) but never makes the service unhealthy.
  const optimizer = aiScorerHealth(c.env) === "degraded" ? ("degraded" as const) : ("ok" as const);
  const checks = { d1, durableObjects, queue, optimizer, encryption };
  const down = Object.values(checks).some((v) => v === "down");
  const status = down
    ? ("unhealthy" as const)
    : optimizer === "degraded"
      ? ("degraded" as const)
      : ("healthy" as const);
  return c.json(
    {
      status,
      checks,
      details: { webhookCircuits: circuits, aiScorer: aiScorerDetails(c.env) },
      version: VERSION,
    },
    status === "unhealthy" ? 503 : 200,
  );
};
