import { IDEMPOTENCY_TTL_MS, systemStore } from "../db/tenant-store";
import type { Env } from "../env";
import { sweepRecurringPatterns } from "./patterns";

/** Cron Trigger, every minute: recurring patterns are extended, expired idempotency records go. */
export async function runScheduledMaintenance(controller: ScheduledController, env: Env): Promise<void> {
  await Promise.all([
    sweepRecurringPatterns(env, controller.scheduledTime),
    systemStore.purgeIdempotencyKeys(env.DB, controller.scheduledTime - IDEMPOTENCY_TTL_MS),
  ]);
}
