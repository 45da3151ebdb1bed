import { ApiError } from "../../lib/errors";
import type { Decision } from "../../lib/optimizer/decide";
import { assignVariant } from "../../lib/optimizer/experiments";
import type { Caller } from "../api/context";
import { sendWindow } from "../api/routes/optimization/optimal-send-time";
import type { CreateScheduleBody } from "../api/routes/schedules/schema";
import { tenantDefaults, userScheduler } from "../api/user-scheduler";
import { experimentStore, type Variant } from "../db/experiment-store";
import { optimizerStore } from "../db/optimizer-store";
import type { Env } from "../env";
import { withSecondOpinion } from "./ai";
import { loadPrior } from "./models";

export type OptimizedTime = Awaited<ReturnType<typeof optimizedTime>>;

/**
 * sendTime.optimize: the optimizer's best allowed instant in the window, for the notification's
 * type; a running experiment on that type may assign the user to its fixed arm instead.
 */
export async function optimizedTime(env: Env, caller: Caller, body: CreateScheduleBody) {
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
  return {
    ...answer,
    type,
    experiment: experiment && variant !== null ? { id: experiment.id, variant } : null,
  };
}

/** A schedule created at an optimized time counts for the live metrics and its experiment. */
export async function recordOptimizedCreation(
  env: Env,
  tenantId: string,
  scheduleId: string,
  userId: string,
  optimized: OptimizedTime,
): Promise<void> {
  const at = Date.now();
  if (optimized.source !== "fixed") {
    await optimizerStore(env.DB, tenantId).recordOptimizedSends([
      optimizedSendRow(scheduleId, optimized.type, optimized, at),
    ]);
  }
  if (optimized.experiment) {
    await experimentStore(env.DB, tenantId).recordSend({
      experimentId: optimized.experiment.id,
      variant: optimized.experiment.variant,
      scheduleId,
      userId,
      at,
    });
  }
}

/** The optimized_sends row of a schedule created at a decision's time. */
export function optimizedSendRow(
  scheduleId: string,
  type: string,
  decision: Pick<Decision, "at" | "engagementProbability" | "modelProbability"> & { source: string },
  at: number,
) {
  return {
    scheduleId,
    source: decision.source,
    predicted: decision.engagementProbability,
    at,
    notificationType: type,
    sendAt: decision.at,
    modelPredicted: decision.modelProbability,
  };
}
