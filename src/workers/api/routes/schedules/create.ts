import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { assignVariant } from "../../../../lib/optimizer/experiments";
import { formatInstant } from "../../../../lib/time/zones";
import { experimentStore, type Variant } from "../../../db/experiment-store";
import { optimizerStore } from "../../../db/optimizer-store";
import { withSecondOpinion } from "../../../optimizer/ai";
import { loadPrior } from "../../../optimizer/models";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import {
  createSchedulesFor,
  tenantDefaults,
  toCreateCommand,
  unwrap,
  userScheduler,
} from "../../user-scheduler";
import { sendWindow } from "../optimization/optimal-send-time";
import { type CreateScheduleBody, CreateScheduleSchema, ScheduleSchema } from "./schema";

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
  if (optimized && optimized.source !== "fixed") {
    await optimizerStore(c.env.DB, caller.tenantId).recordOptimizedSend({
      scheduleId: created.schedule.id,
      source: optimized.source,
      predicted: optimized.engagementProbability,
      at: Date.now(),
    });
  }
  if (optimized?.experiment) {
    await experimentStore(c.env.DB, caller.tenantId).recordSend({
      experimentId: optimized.experiment.id,
      variant: optimized.experiment.variant,
      scheduleId: created.schedule.id,
      userId: body.userId,
      at: Date.now(),
    });
  }
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

/** sendTime.optimize: the optimizer's best allowed instant in the window, for the notification's type. */
async function optimizedTime(
  env: AppEnv["Bindings"],
  caller: AppEnv["Variables"]["caller"],
  body: CreateScheduleBody,
) {
  const sendTime = body.sendTime!;
  const { notBefore, notAfter } = sendWindow(sendTime.notBefore, sendTime.notAfter, "sendTime.");
  const type = sendTime.type ?? body.notificationId;
  const owner = { tenantId: caller.tenantId, userId: body.userId };
  // A running experiment on this type decides the strategy, by a stable hash of the user id.
  const experiment = await experimentStore(env.DB, caller.tenantId).runningFor(type);
  const variant = experiment
    ? assignVariant(experiment.id, body.userId, JSON.parse(experiment.allocation) as number[])
    : null;
  const strategy =
    experiment && variant !== null ? (JSON.parse(experiment.variants) as Variant[])[variant]! : null;
  const decision = await userScheduler(env, owner).optimalSendTime(
    owner,
    {
      type,
      notBefore,
      notAfter,
      businessHoursOnly: body.businessHoursOnly,
      timezone: body.timezone,
      fixedLocalTime: strategy?.strategy === "fixed" ? strategy.localTime : undefined,
    },
    await loadPrior(env, caller.tenantId, type),
    tenantDefaults(caller.tenant),
  );
  if (!decision) {
    throw new ApiError("validation_error", "no allowed time in the sendTime window", [
      { path: "sendTime", message: "quiet hours or business hours cover the whole window" },
    ]);
  }
  const answer = await withSecondOpinion(env, decision, decision.explanation);
  return { ...answer, experiment: experiment && variant !== null ? { id: experiment.id, variant } : null };
}
