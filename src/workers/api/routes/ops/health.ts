import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { parseKeyring } from "../../../../lib/crypto/encryption";
import type { AppEnv } from "../../context";
import { jsonResponse } from "../../schemas";

const Check = z.enum(["ok", "degraded", "down"]);
const HealthSchema = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]),
    checks: z.object({ d1: Check, durableObjects: Check, queue: Check, optimizer: Check, encryption: Check }),
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

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const [d1, durableObjects] = await Promise.all([
    probe(() => c.env.DB.prepare("SELECT 1").first()),
    // The object name starts with a reserved non-tenant prefix, so no tenant can ever own it.
    probe(() => c.env.USER_SCHEDULER.get(c.env.USER_SCHEDULER.idFromName("_system:health")).ping()),
  ]);
  const queue = typeof c.env.EXECUTIONS?.send === "function" ? ("ok" as const) : ("down" as const);
  const encryption = await probe(async () => parseKeyring(c.env.ENCRYPTION_KEYS));
  const checks = { d1, durableObjects, queue, optimizer: "ok" as const, encryption };
  const status = Object.values(checks).every((v) => v === "ok")
    ? ("healthy" as const)
    : ("unhealthy" as const);
  return c.json({ status, checks, version: VERSION }, status === "unhealthy" ? 503 : 200);
};
