import { openJson } from "../../../../lib/crypto/encryption";
import { ApiError } from "../../../../lib/errors";
import type { JsonObject } from "../../../../lib/json";
import type { RecurrenceRule } from "../../../../lib/recurrence/occurrences";
import { compileRule, describeRule, type PatternRuleInput } from "../../../../lib/recurrence/pattern";
import { type PatternRow, patternStore } from "../../../db/pattern-store";
import type { Env } from "../../../env";
import { GENERATION_HORIZON_MS, generatePatterns } from "../../../recurring/generate";
import type { TenantRecord } from "../../context";

/** The rule part of a request body, as stored (unset fields left out). */
export function ruleInput(
  body: Partial<PatternRuleInput> & Pick<PatternRuleInput, "timezone" | "startDate">,
) {
  const rule: PatternRuleInput = {
    cronExpression: body.cronExpression ?? null,
    intervalType: body.intervalType ?? null,
    intervalValue: body.intervalValue ?? null,
    timezone: body.timezone,
    startDate: body.startDate,
    endDate: body.endDate ?? null,
    maxOccurrences: body.maxOccurrences ?? null,
    businessHoursOnly: body.businessHoursOnly ?? false,
    businessHours: body.businessHours ?? null,
    skipWeekends: body.skipWeekends ?? false,
    skipHolidays: body.skipHolidays ?? false,
    holidayCountry: body.holidayCountry ?? null,
  };
  return rule;
}

/** The compiled rule, or a 400 whose errors name the fields. */
export function compileOr400(rule: PatternRuleInput, tenant: TenantRecord): RecurrenceRule {
  const compiled = compileRule(rule, {
    businessHours: tenant.settings.businessHours,
    holidayCountry: tenant.settings.holidayCountry,
  });
  if (!compiled.ok) {
    throw new ApiError(
      "validation_error",
      compiled.errors.map((e) => `${e.path}: ${e.message}`).join("; "),
      compiled.errors,
    );
  }
  return compiled.rule;
}

export async function loadPattern(env: Env, tenantId: string, id: string): Promise<PatternRow> {
  const row = await patternStore(env.DB, tenantId).getPattern(id);
  if (!row) throw new ApiError("not_found", `no recurring pattern ${id}`);
  return row;
}

export function openPayload(env: Env, row: PatternRow): Promise<JsonObject> {
  return openJson<JsonObject>(env.ENCRYPTION_KEYS, row.payload, `${row.id}:payload`);
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function patternView(env: Env, row: PatternRow) {
  const rule = JSON.parse(row.rule) as PatternRuleInput;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    cronExpression: rule.cronExpression ?? null,
    intervalType: rule.intervalType ?? null,
    intervalValue: rule.intervalValue ?? null,
    timezone: rule.timezone,
    startDate: rule.startDate,
    endDate: rule.endDate ?? null,
    maxOccurrences: rule.maxOccurrences ?? null,
    businessHoursOnly: rule.businessHoursOnly ?? false,
    businessHours: rule.businessHours ?? null,
    skipWeekends: rule.skipWeekends ?? false,
    skipHolidays: rule.skipHolidays ?? false,
    holidayCountry: rule.holidayCountry ?? null,
    target: JSON.parse(row.target) as { userId: string } | { userIds: string[] },
    notificationId: row.notificationId,
    payload: await openPayload(env, row),
    priority: row.priority,
    status: row.status,
    humanDescription: describeRule(rule),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/**
 * Generate the first horizon now, so a pattern due in a minute fires without waiting for the Cron
 * Trigger. If this fails the pattern is still stored whole, and the next sweep generates it.
 */
export async function generateSoon(
  env: Env,
  tenant: TenantRecord,
  row: PatternRow,
  now: number,
): Promise<void> {
  try {
    await generatePatterns(env, tenant, [row], now + GENERATION_HORIZON_MS);
  } catch (error) {
    console.error(
      JSON.stringify({ msg: "pattern generation deferred to the sweep", id: row.id, error: String(error) }),
    );
  }
}
