import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { campaigns } from "../../lib/db/d1-schema";
import { type CampaignDefinition, phaseDueTimes } from "../../lib/journeys/campaign-plan";
import { campaignStore } from "../db/campaign-store";
import { scheduleIndex } from "../db/schedule-index";
import type { Env } from "../env";

/** A recipient's localTime can fall up to a day after a phase's due instant. */
const LOCAL_TIME_SPREAD_MS = 26 * 3_600_000;

/**
 * Advance campaign statuses (every minute): scheduled → running when the start has come; running →
 * completed once the fan-out is done, the last phase's time has passed and nothing is pending.
 * Paused and cancelled campaigns are left as they are.
 */
export async function advanceCampaigns(env: Env, now: number): Promise<void> {
  const active = await drizzle(env.DB)
    .select()
    .from(campaigns)
    .where(inArray(campaigns.status, ["scheduled", "running"]))
    .all();
  for (const row of active) {
    const store = campaignStore(env.DB, row.tenantId);
    if (row.status === "scheduled") {
      if (now < row.startAt || !(await store.setStatus(row.id, "scheduled", "running"))) continue;
    }
    const def = JSON.parse(row.definition) as CampaignDefinition;
    const lastDue = Math.max(...phaseDueTimes(def));
    if (now < lastDue + (def.rules.localTime ? LOCAL_TIME_SPREAD_MS : 0)) continue;
    const fanOut = await store.fanOutProgress(row.id);
    if (fanOut.chunks < row.audienceChunks) continue;
    const counts = await scheduleIndex(env.DB, row.tenantId).campaignCounts(row.id);
    const open = counts.filter((c) => ["pending", "paused", "executing"].includes(c.status));
    if (open.length === 0) await store.setStatus(row.id, "running", "completed", { completedAt: now });
  }
}
