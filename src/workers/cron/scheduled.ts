import { IDEMPOTENCY_TTL_MS, systemStore } from "../db/tenant-store";
import type { Env } from "../env";

/** Cron Trigger: periodic housekeeping. Recurring-pattern generation joins here later. */
export async function runScheduledMaintenance(controller: ScheduledController, env: Env): Promise<void> {
  await systemStore.purgeIdempotencyKeys(env.DB, controller.scheduledTime - IDEMPOTENCY_TTL_MS);
}
