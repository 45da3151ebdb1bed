import { experimentStore } from "../db/experiment-store";
import { optimizerStore } from "../db/optimizer-store";
import type { Env } from "../env";

/** Opens of schedules count for their experiment variant and for the optimizer's live metrics. */
export async function recordScheduleOpens(env: Env, tenantId: string, scheduleIds: string[]): Promise<void> {
  if (scheduleIds.length === 0) return;
  await Promise.all([
    experimentStore(env.DB, tenantId).markOpened(scheduleIds),
    optimizerStore(env.DB, tenantId).markOptimizedOpened(scheduleIds),
  ]);
}
