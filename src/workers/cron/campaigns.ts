import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { campaigns } from "../../lib/db/d1-schema";
import { type CampaignDefinition, phaseDueTimes } from "../../lib/journeys/campaign-plan";
import { enqueueCampaignChunks } from "../campaigns/fan-out";
import { campaignStore } from "../db/campaign-store";
import { scheduleIndex } from "../db/schedule-index";
import type { Env } from "../env";

/** A recipient's localTime can fall up to a day after a phase's due instant. */
const LOCAL_TIME_SPREAD_MS = 26 * 3_600_000;
/**
 * A fan-out chunk not recorded this long after the campaign last changed is queued again (the
 * Queue gives a message up after 10 failed tries; a chunk run twice creates nothing twice).
 */
const FAN_OUT_REPAIR_AFTER_MS = 15 * 60_000;

/**
 * Advance campaign statuses (every minute): scheduled → running when the start has come; running →
 * completed once the fan-out is done, the last phase's time has passed and nothing is pending.
 * Paused and cancelled campaigns keep their status. A fan-out that stopped short (a chunk the
 * Queue gave up on) is repaired: its missing chunks are queued again.
 */
export async function advanceCampaigns(env: Env, now: number): Promise<void> {
  const active = await drizzle(env.DB)
    .select()
    .from(campaigns)
    .where(inArray(campaigns.status, ["scheduled", "running", "paused"]))
    .all();
  for (const row of active) {
    const store = campaignStore(env.DB, row.tenantId);
    const done = await store.doneChunks(row.id);
    if (
      done.size < row.audienceChunks &&
      now - Math.max(row.scheduledAt ?? 0, row.updatedAt) > FAN_OUT_REPAIR_AFTER_MS
    ) {
      const missing = Array.from({ length: row.audienceChunks }, (_, seq) => seq).filter(
        (seq) => !done.has(seq),
      );
      console.log(
        JSON.stringify({ msg: "campaign fan-out repaired", campaignId: row.id, chunks: missing.length }),
      );
      await enqueueCampaignChunks(env, row, "fan-out", missing);
      await store.touch(row.id, now);
    }
    if (row.status === "paused") continue;
    if (row.status === "scheduled") {
      if (now < row.startAt || !(await store.setStatus(row.id, "scheduled", "running"))) continue;
    }
    const def = JSON.parse(row.definition) as CampaignDefinition;
    const lastDue = Math.max(...phaseDueTimes(def));
    if (now < lastDue + (def.rules.localTime ? LOCAL_TIME_SPREAD_MS : 0)) continue;
    if (done.size < row.audienceChunks) continue;
    const counts = await scheduleIndex(env.DB, row.tenantId).campaignCounts(row.id);
    const open = counts.filter((c) => ["pending", "paused", "executing"].includes(c.status));
    if (open.length === 0) await store.setStatus(row.id, "running", "completed", { completedAt: now });
  }
}
