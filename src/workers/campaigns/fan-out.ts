import { forEachConcurrently } from "../../lib/concurrency";
import { openJson } from "../../lib/crypto/encryption";
import {
  type CampaignDefinition,
  type CampaignMessage,
  phaseDueTimes,
  recipientCommands,
} from "../../lib/journeys/campaign-plan";
import type { JsonObject } from "../../lib/json";
import type { Decision } from "../../lib/optimizer/decide";
import type { CreateResult, CreateScheduleCommand, TenantDefaults } from "../../lib/schedules/commands";
import { DEFAULT_RETRY_CONFIG } from "../../lib/schedules/model";
import { formatInstant } from "../../lib/time/zones";
import type { TenantRecord } from "../api/context";
import { createSchedulesFor, tenantDefaults, userScheduler } from "../api/user-scheduler";
import { type CampaignRow, campaignStore } from "../db/campaign-store";
import { optimizerStore } from "../db/optimizer-store";
import { tenantStore } from "../db/tenant-store";
import { type Env, fanOutPause, numberVar } from "../env";
import { loadPrior } from "../optimizer/models";
import { optimizedSendRow } from "../optimizer/optimized-create";

/** Recipients handled at once within a chunk (each is one user object): wrangler.toml var. */
function recipientConcurrency(env: Env): number {
  return numberVar(env.CAMPAIGN_FANOUT_CONCURRENCY, 32);
}

/** One message per audience chunk (all, or the given ones), sent in Queue batches of 100. */
export async function enqueueCampaignChunks(
  env: Env,
  row: CampaignRow,
  action: CampaignMessage["action"],
  seqs: number[] = Array.from({ length: row.audienceChunks }, (_, seq) => seq),
): Promise<void> {
  const messages = seqs.map((seq) => ({
    body: { kind: "campaign" as const, action, tenantId: row.tenantId, campaignId: row.id, seq },
    contentType: "json" as const,
  }));
  for (let i = 0; i < messages.length; i += 100) await env.CAMPAIGNS.sendBatch(messages.slice(i, i + 100));
}

/** The campaign queue: chunks of the audience fanned out, paused, resumed or cancelled. */
export async function consumeCampaignWork(batch: MessageBatch<CampaignMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      await processCampaignMessage(env, message.body);
      message.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "campaign chunk failed", ...message.body, error: String(error) }));
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}

export async function processCampaignMessage(env: Env, m: CampaignMessage): Promise<void> {
  const store = campaignStore(env.DB, m.tenantId);
  const campaign = await store.getCampaign(m.campaignId);
  if (!campaign) return;
  const userIds = await store.audienceChunk(m.campaignId, m.seq);
  if (m.action === "sync") return syncChunk(env, m.tenantId, m.campaignId, userIds);
  // Chunks are queued just before the campaign leaves draft: one that arrives first waits.
  if (campaign.status === "draft") throw new Error("campaign not scheduled yet");
  if (campaign.status === "cancelled") {
    await store.recordChunk(m.campaignId, m.seq, { recipients: userIds.length, schedules: 0, failed: 0 });
    return;
  }
  const tenant = await tenantStore(env.DB, m.tenantId).getTenant();
  if (!tenant) return;
  const counts = await fanOutChunk(env, tenant, campaign, m.seq, userIds);
  await store.recordChunk(m.campaignId, m.seq, { recipients: userIds.length, ...counts });
  // A pause or cancel that arrived while this chunk was creating: its sweep may have run before
  // these schedules existed, so the chunk brings its own recipients in line too.
  const status = (await store.getCampaign(m.campaignId))?.status;
  if (status === "paused" || status === "cancelled") await syncChunk(env, m.tenantId, m.campaignId, userIds);
}

const ACTION_FOR: Partial<Record<CampaignRow["status"], "pause" | "resume" | "cancel">> = {
  paused: "pause",
  cancelled: "cancel",
  scheduled: "resume",
  running: "resume",
};

/**
 * Bring a chunk's schedules in line with the campaign's status, then read the status again: a
 * pause and a resume whose sweeps overlap on the same users end in the latest status, whatever
 * order the Queue delivers them in (each action is idempotent).
 */
async function syncChunk(env: Env, tenantId: string, campaignId: string, userIds: string[]): Promise<void> {
  const store = campaignStore(env.DB, tenantId);
  let applied: string | undefined;
  for (let round = 0; round < 5; round++) {
    const action = ACTION_FOR[(await store.getCampaign(campaignId))?.status ?? "draft"];
    if (!action || action === applied) return;
    await applyToRecipients(env, tenantId, campaignId, userIds, action);
    applied = action;
  }
}

/**
 * Turn one audience chunk into schedules in the recipients' objects. Every schedule id is derived
 * from (campaign, user, phase), so a chunk the Queue delivers twice, or two consumers running it at
 * once, create each schedule once; the index rows are upserts.
 */
async function fanOutChunk(
  env: Env,
  tenant: TenantRecord,
  campaign: CampaignRow,
  seq: number,
  userIds: string[],
): Promise<{ schedules: number; failed: number }> {
  const def = JSON.parse(campaign.definition) as CampaignDefinition;
  const payloads = await openJson<JsonObject[]>(
    env.ENCRYPTION_KEYS,
    campaign.templates,
    `${campaign.id}:templates`,
  );
  const dueTimes = phaseDueTimes(def);
  // Recipients without a timezone of their own read localTime in the campaign's timezone.
  const defaults: TenantDefaults = { ...tenantDefaults(tenant), timezone: def.timezone };
  const retryConfig = tenant.settings.retryConfig ?? DEFAULT_RETRY_CONFIG;
  const planned = new Map<string, CreateScheduleCommand[]>();
  for (const userId of userIds) {
    planned.set(userId, await recipientCommands(campaign.id, def, dueTimes, payloads, userId, retryConfig));
  }
  const optimized = def.rules.optimizeSendTime
    ? await optimizeTimes(env, tenant.id, planned, defaults)
    : new Map<CreateScheduleCommand, Decision>();
  if (def.rules.throttlePerMinute) {
    await throttleTimes(env, tenant.id, campaign.id, seq, planned, defaults, def.rules.throttlePerMinute);
  }
  const optimizedRows: ReturnType<typeof optimizedSendRow>[] = [];
  const createdAt = Date.now();
  let schedules = 0;
  let failed = 0;
  await forEachConcurrently(
    [...planned],
    recipientConcurrency(env),
    async ([userId, commands]) => {
      if (commands.length === 0) return;
      const results: CreateResult[] = await createSchedulesFor(
        env,
        { tenantId: tenant.id, userId },
        commands,
        defaults,
      );
      results.forEach((r, i) => {
        if (!r.ok) {
          failed++;
          console.error(
            JSON.stringify({ msg: "campaign schedule refused", campaignId: campaign.id, userId, r }),
          );
          return;
        }
        schedules++;
        const decision = optimized.get(commands[i]!);
        if (decision) {
          // The final instant: a throttle may have moved the send after the optimizer chose it.
          const sendAt = Date.parse(r.schedule.scheduledTime);
          optimizedRows.push(
            optimizedSendRow(
              r.schedule.id,
              commands[i]!.notificationId,
              { ...decision, at: sendAt },
              createdAt,
            ),
          );
        }
      });
    },
    fanOutPause(env),
  );
  await optimizerStore(env.DB, tenant.id).recordOptimizedSends(optimizedRows);
  return { schedules, failed };
}

/**
 * rules.optimizeSendTime: each phase at the recipient's best time within 24 h of its due time.
 * Answers the decision behind each command it moved, to be recorded once the schedule exists.
 */
async function optimizeTimes(
  env: Env,
  tenantId: string,
  planned: Map<string, CreateScheduleCommand[]>,
  defaults: TenantDefaults,
): Promise<Map<CreateScheduleCommand, Decision>> {
  const decisions = new Map<CreateScheduleCommand, Decision>();
  const priors = new Map<string, Awaited<ReturnType<typeof loadPrior>>>();
  await forEachConcurrently([...planned], recipientConcurrency(env), async ([userId, commands]) => {
    const owner = { tenantId, userId };
    for (const command of commands) {
      const type = command.notificationId;
      if (!priors.has(type)) priors.set(type, await loadPrior(env, tenantId, type));
      const notBefore = Date.parse(command.scheduledTime);
      const decision = await userScheduler(env, owner).optimalSendTime(
        owner,
        { type, notBefore, notAfter: notBefore + 24 * 3600_000 },
        priors.get(type) ?? null,
        defaults,
      );
      if (!decision) continue;
      command.scheduledTime = formatInstant(decision.at);
      command.sendTimeSource = decision.source;
      command.localTimeAtOrAfter = undefined;
      decisions.set(command, decision);
    }
  });
  return decisions;
}

/**
 * rules.throttlePerMinute across the whole campaign: each recipient's times are planned in their
 * object (zone, localTime, quiet hours), then the campaign's throttle object moves sends out of
 * full minutes. Its answer for this chunk is recorded, so a retried chunk gets the same times.
 */
async function throttleTimes(
  env: Env,
  tenantId: string,
  campaignId: string,
  seq: number,
  planned: Map<string, CreateScheduleCommand[]>,
  defaults: TenantDefaults,
  perMinute: number,
): Promise<void> {
  const times = new Map<string, (number | null)[]>();
  await forEachConcurrently([...planned], recipientConcurrency(env), async ([userId, commands]) => {
    if (commands.length === 0) return;
    const owner = { tenantId, userId };
    times.set(userId, await userScheduler(env, owner).planTimes(owner, commands, defaults));
  });
  const order = [...planned].flatMap(([userId, commands]) =>
    commands.map((command, i) => ({ command, at: times.get(userId)?.[i] ?? null })),
  );
  const placeable = order.filter((o) => o.at !== null);
  const throttle = env.CAMPAIGN_THROTTLE.get(env.CAMPAIGN_THROTTLE.idFromName(`${tenantId}:${campaignId}`));
  const allocated = await throttle.allocate(
    `chunk:${seq}`,
    placeable.map((o) => o.at!),
    perMinute,
  );
  placeable.forEach((o, i) => {
    // A retried chunk gets its first answer back; a recipient it did not cover keeps its own time.
    o.command.scheduledTime = formatInstant(allocated[i] ?? o.at!);
    // Quiet hours stay on: a slot that falls into them moves out of them (the throttle yields).
    o.command.localTimeAtOrAfter = undefined;
  });
}

/** Pause, resume or cancel a chunk's schedules in their objects, and index the changes. */
async function applyToRecipients(
  env: Env,
  tenantId: string,
  campaignId: string,
  userIds: string[],
  action: "pause" | "resume" | "cancel",
): Promise<void> {
  await forEachConcurrently(
    userIds,
    recipientConcurrency(env),
    async (userId) => {
      const owner = { tenantId, userId };
      await userScheduler(env, owner).campaignAction(owner, campaignId, action);
    },
    fanOutPause(env),
  );
}
