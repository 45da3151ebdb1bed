import { optimizerSweep } from "../db/optimizer-store";
import { IDEMPOTENCY_TTL_MS, systemStore } from "../db/tenant-store";
import type { Env } from "../env";
import { trainTenant } from "../optimizer/models";
import { advanceCampaigns } from "./campaigns";
import { sweepRecurringPatterns } from "./patterns";

const HOUR = 3_600_000;

/**
 * Cron Trigger, every minute: recurring patterns are extended, campaigns advance (running,
 * completed) and expired idempotency records go.
 * At the top of each hour, the send-time priors of tenants with new engagement are retrained.
 */
export async function runScheduledMaintenance(controller: ScheduledController, env: Env): Promise<void> {
  const now = controller.scheduledTime;
  await Promise.all([
    sweepRecurringPatterns(env, now),
    advanceCampaigns(env, now),
    systemStore.purgeIdempotencyKeys(env.DB, now - IDEMPOTENCY_TTL_MS),
    new Date(now).getUTCMinutes() === 0 ? retrainOptimizer(env, now) : Promise.resolve(),
  ]);
}

async function retrainOptimizer(env: Env, now: number): Promise<void> {
  for (const tenantId of await optimizerSweep.tenantsWithNewProfiles(env.DB, now - HOUR)) {
    try {
      await trainTenant(env, tenantId, now);
    } catch (error) {
      console.error(JSON.stringify({ msg: "optimizer retraining failed", tenantId, error: String(error) }));
    }
  }
}
