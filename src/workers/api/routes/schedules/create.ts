import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { formatInstant } from "../../../../lib/time/zones";
import { optimizedTime, recordOptimizedCreation } from "../../../optimizer/optimized-create";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { createSchedulesFor, tenantDefaults, toCreateCommand, unwrap } from "../../user-scheduler";
import { CreateScheduleSchema, ScheduleSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/schedules",
  tags: ["Schedules"],
  summary: "Create a one-off schedule",
  description:
    "Fires once at `scheduledTime`: an instant, or a local wall-clock time read in `timezone` (default: the " +
    "user's, then the tenant's, then UTC). A local time inside a DST gap fires at the first instant after the " +
    "gap (`adjusted: true`); one that occurs twice fires at the earlier instant (`ambiguous: true`).",
  security: bearerSecurity,
  middleware: [requireRole("editor"), idempotent] as const,
  request: { body: jsonBody(CreateScheduleSchema) },
  responses: {
    201: jsonResponse(ScheduleSchema, "The schedule"),
    ...problemResponses(400, 401, 403, 409, 413, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const caller = c.get("caller");
  const owner = { tenantId: caller.tenantId, userId: body.userId };
  const optimized = body.sendTime ? await optimizedTime(c.env, caller, body) : null;
  const command = toCreateCommand(
    optimized ? { ...body, scheduledTime: formatInstant(optimized.at) } : body,
    c.req.header("idempotency-key") ?? body.idempotencyKey ?? null,
    caller.tenant.settings.retryConfig,
  );
  if (optimized) command.sendTimeSource = optimized.source;
  const [result] = await createSchedulesFor(c.env, owner, [command], tenantDefaults(caller.tenant));
  const created = unwrap(result!);
  if (optimized)
    await recordOptimizedCreation(c.env, caller.tenantId, created.schedule.id, body.userId, optimized);
  return c.json(
    {
      ...created.schedule,
      adjusted: created.adjusted,
      ambiguous: created.ambiguous,
      ...(optimized
        ? {
            optimization: {
              confidence: Math.round(optimized.confidence * 1000) / 1000,
              engagementProbability: Math.round(optimized.engagementProbability * 10_000) / 10_000,
              explanation: optimized.explanation,
            },
          }
        : {}),
    },
    201,
  );
};
