import { forEachConcurrently } from "../../lib/concurrency";
import { openJson } from "../../lib/crypto/encryption";
import { derivedScheduleId } from "../../lib/ids";
import type { JsonObject } from "../../lib/json";
import { listOccurrences } from "../../lib/recurrence/occurrences";
import { compileRule, type PatternRuleInput } from "../../lib/recurrence/pattern";
import type { CreateScheduleCommand } from "../../lib/schedules/commands";
import { DEFAULT_RETRY_CONFIG } from "../../lib/schedules/model";
import { formatInstant } from "../../lib/time/zones";
import type { TenantRecord } from "../api/context";
import { createSchedulesFor, tenantDefaults, userScheduler } from "../api/user-scheduler";
import { type GenerationRecord, type PatternRow, patternStore } from "../db/pattern-store";
import { type Env, fanOutPause } from "../env";

/** Occurrences become schedules this far ahead; the Cron Trigger tops up at half of it. */
export const GENERATION_HORIZON_MS = 24 * 3600_000;
export const REFRESH_BEFORE_MS = GENERATION_HORIZON_MS / 2;
/** One run turns at most this many occurrences of a pattern into schedules (a minutely rule: a day). */
const MAX_OCCURRENCES_PER_RUN = 1_500;
const COMMANDS_PER_CALL = 500;

export type PatternTarget = { userId: string } | { userIds: string[] };

export function targetUsers(target: PatternTarget): string[] {
  return "userId" in target ? [target.userId] : target.userIds;
}

/** The derived-id source of a pattern's instances: an edit (new version) makes new instances. */
function instanceSource(row: PatternRow): string {
  return `${row.id}:v${row.version}`;
}

export interface GenerationSummary {
  patterns: number;
  occurrences: number;
  created: number;
  /** Runs whose bookkeeping lost to a concurrent run (their schedules existed already). */
  superseded: number;
}

/**
 * Extend patterns' schedules up to `until`, each from where its last run stopped. Idempotent: an
 * occurrence's schedule id is derived from (pattern version, user, instant), so a repeated or
 * concurrent run finds its rows and creates nothing twice; the D1 bookkeeping is a compare-and-set
 * on `generatedUntil`, so each occurrence is counted once. Commands for the same user, from every
 * pattern in the call, go to that user's object in one request.
 */
export async function generatePatterns(
  env: Env,
  tenant: TenantRecord,
  rows: PatternRow[],
  until: number,
): Promise<GenerationSummary> {
  const byUser = new Map<string, CreateScheduleCommand[]>();
  const records: GenerationRecord[] = [];
  let occurrences = 0;
  for (const row of rows) {
    const compiled = compileRule(JSON.parse(row.rule) as PatternRuleInput, {
      businessHours: tenant.settings.businessHours,
      holidayCountry: tenant.settings.holidayCountry,
    });
    if (!compiled.ok) {
      console.error(JSON.stringify({ msg: "stored pattern rule no longer compiles", id: row.id }));
      continue;
    }
    const rule = compiled.rule;
    const list = listOccurrences(rule, { after: row.generatedUntil, until, count: MAX_OCCURRENCES_PER_RUN });
    occurrences += list.occurrences.length;
    const payload = await openJson<JsonObject>(env.ENCRYPTION_KEYS, row.payload, `${row.id}:payload`);
    for (const userId of targetUsers(JSON.parse(row.target) as PatternTarget)) {
      const commands = byUser.get(userId) ?? [];
      for (const at of list.occurrences) {
        commands.push({
          id: await derivedScheduleId(instanceSource(row), userId, at),
          notificationId: row.notificationId,
          scheduledTime: formatInstant(at),
          timezone: rule.zone,
          priority: row.priority,
          retryConfig: tenant.settings.retryConfig ?? DEFAULT_RETRY_CONFIG,
          payload,
          metadata: {},
          recurringPatternId: row.id,
          allowPast: true,
        });
      }
      byUser.set(userId, commands);
    }
    records.push({
      id: row.id,
      seen: { generatedUntil: row.generatedUntil, version: row.version },
      next: {
        generatedUntil:
          list.occurrences.length === MAX_OCCURRENCES_PER_RUN
            ? list.occurrences.at(-1)!
            : Math.max(until, row.generatedUntil),
        added: list.occurrences.length,
        at: Date.now(),
        completed: list.exhausted,
      },
    });
  }
  let created = 0;
  await forEachConcurrently(
    [...byUser],
    16,
    async ([userId, commands]) => {
      const owner = { tenantId: tenant.id, userId };
      for (let i = 0; i < commands.length; i += COMMANDS_PER_CALL) {
        const results = await createSchedulesFor(
          env,
          owner,
          commands.slice(i, i + COMMANDS_PER_CALL),
          tenantDefaults(tenant),
        );
        created += results.filter((r) => r.ok && !r.existed).length;
      }
    },
    fanOutPause(env),
  );
  // Only after every schedule exists does generatedUntil move: a crash before this repeats the run.
  const store = patternStore(env.DB, tenant.id);
  const applied = await store.recordGenerations(records);
  // A pattern deleted while this run was creating its instances: what the run created is cancelled
  // too (the delete could not see it). A concurrent run or an edit also fails the compare-and-set,
  // but those patterns still exist and keep their instances.
  const lost = records.filter((_, i) => !applied[i]).map((r) => r.id);
  if (lost.length > 0) {
    const remaining = new Set((await store.getPatterns(lost)).map((r) => r.id));
    for (const row of rows.filter((r) => lost.includes(r.id) && !remaining.has(r.id))) {
      await cancelPatternInstances(env, tenant.id, row);
    }
  }
  return {
    patterns: records.length,
    occurrences,
    created,
    superseded: applied.filter((a) => !a).length,
  };
}

/** Pause, edit or delete: every instance of the pattern that has not fired is cancelled. */
export async function cancelPatternInstances(env: Env, tenantId: string, row: PatternRow): Promise<number> {
  let cancelled = 0;
  await forEachConcurrently(targetUsers(JSON.parse(row.target) as PatternTarget), 16, async (userId) => {
    const owner = { tenantId, userId };
    cancelled += (await userScheduler(env, owner).cancelPatternSchedules(owner, row.id)).length;
  });
  return cancelled;
}
