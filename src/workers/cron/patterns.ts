import { type GenerationMessage, packGenerationMessages } from "../../lib/recurrence/generation-batches";
import type { TenantRecord } from "../api/context";
import { patternStore, patternSweep } from "../db/pattern-store";
import { systemStore } from "../db/tenant-store";
import type { Env } from "../env";
import {
  GENERATION_HORIZON_MS,
  generatePatterns,
  type PatternTarget,
  REFRESH_BEFORE_MS,
  targetUsers,
} from "../recurring/generate";

const CLAIM_PAGE = 1000;
/** Enough for 200,000 patterns per run; the rest waits for the next minute. */
const MAX_PAGES = 200;

/**
 * Every minute: patterns whose schedules end within half the horizon are claimed in pages and
 * handed to the generation queue, so the trigger itself only reads and enqueues. A run that is late
 * or repeated changes nothing: generation starts where the last one stopped, never at "now".
 */
export async function sweepRecurringPatterns(env: Env, now: number): Promise<void> {
  const until = now + GENERATION_HORIZON_MS;
  let claimed = 0;
  let messages = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const rows = await patternSweep.claimDue(env.DB, now, now + REFRESH_BEFORE_MS, CLAIM_PAGE);
    if (rows.length === 0) break;
    const batch = packGenerationMessages(
      rows.map((r) => ({ ...r, users: targetUsers(JSON.parse(r.target) as PatternTarget).length })),
      until,
    );
    for (let i = 0; i < batch.length; i += 100) {
      await env.GENERATION.sendBatch(
        batch.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })),
      );
    }
    claimed += rows.length;
    messages += batch.length;
    if (rows.length < CLAIM_PAGE) break;
  }
  if (claimed > 0) console.log(JSON.stringify({ msg: "recurring sweep", claimed, messages }));
}

/**
 * The generation queue's consumer: each message is one tenant's patterns, retried as a whole.
 * Messages run one after another: each already spreads over up to 16 objects at once, and running
 * the batch's messages concurrently as well stalled the local runtime in the benchmark.
 */
export async function consumeGeneration(batch: MessageBatch<GenerationMessage>, env: Env): Promise<void> {
  const tenants = new Map<string, TenantRecord | null>();
  for (const message of batch.messages) {
    const { tenantId, patternIds, until } = message.body;
    try {
      if (!tenants.has(tenantId)) tenants.set(tenantId, await systemStore.findTenant(env.DB, tenantId));
      const tenant = tenants.get(tenantId);
      if (!tenant) {
        message.ack();
        continue;
      }
      const rows = (await patternStore(env.DB, tenantId).getPatterns(patternIds)).filter(
        (r) => r.status === "active" && r.generatedUntil < until,
      );
      await generatePatterns(env, tenant, rows, until);
      message.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "pattern generation failed", tenantId, error: String(error) }));
      message.retry({ delaySeconds: Math.min(60, 5 * message.attempts) });
    }
  }
}
