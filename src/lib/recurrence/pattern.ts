import cronstrue from "cronstrue";
import type { FieldError } from "../errors";
import { type BusinessHours, DEFAULT_BUSINESS_HOURS } from "../time/calendar";
import {
  parseInstant,
  parseWallClock,
  resolveWallClock,
  type WallClock,
  wallClockAt,
} from "../time/local-time";
import { isValidTimeZone } from "../time/zones";
import { parseCron } from "./cron";
import type { IntervalUnit, Recurrence, RecurrenceRule } from "./occurrences";

/** A pattern's rule as the API takes it and D1 stores it (JSON). */
export interface PatternRuleInput {
  cronExpression?: string | null;
  intervalType?: IntervalUnit | null;
  intervalValue?: number | null;
  timezone: string;
  startDate: string;
  endDate?: string | null;
  maxOccurrences?: number | null;
  businessHoursOnly?: boolean;
  businessHours?: BusinessHours | null;
  skipWeekends?: boolean;
  skipHolidays?: boolean;
  holidayCountry?: string | null;
}

export interface RuleDefaults {
  businessHours?: BusinessHours | null;
  holidayCountry?: string | null;
}

type Compiled = { ok: true; rule: RecurrenceRule } | { ok: false; errors: FieldError[] };

/** An ISO string as an instant and the wall clock it reads in `zone` (or was given as). */
function readDate(text: string, zone: string): { at: number; wall: WallClock } | null {
  const instant = parseInstant(text);
  if (instant !== null) return { at: instant, wall: wallClockAt(instant, zone) };
  const wall = parseWallClock(text);
  return wall ? { at: resolveWallClock(wall, zone).epochMs, wall } : null;
}

const DATE_MESSAGE = "must be an ISO 8601 date-time: local (read in timezone) or an instant with Z/offset";

/** Validate a rule and turn it into the occurrence engine's plain data; errors name their field. */
export function compileRule(input: PatternRuleInput, defaults: RuleDefaults = {}): Compiled {
  const errors: FieldError[] = [];
  let recurrence: Recurrence | null = null;
  const hasCron = input.cronExpression != null;
  const hasInterval = input.intervalType != null || input.intervalValue != null;
  if (hasCron === hasInterval) {
    errors.push({
      path: "cronExpression",
      message: "give either cronExpression or intervalType with intervalValue",
    });
  } else if (hasCron) {
    const parsed = parseCron(input.cronExpression!);
    if (parsed.ok) recurrence = { kind: "cron", spec: parsed.spec };
    else errors.push(...parsed.errors);
  } else if (input.intervalType == null || input.intervalValue == null) {
    errors.push({
      path: input.intervalType == null ? "intervalType" : "intervalValue",
      message: "intervalType and intervalValue go together",
    });
  } else {
    recurrence = { kind: "interval", unit: input.intervalType, every: input.intervalValue };
  }
  if (!isValidTimeZone(input.timezone)) {
    errors.push({ path: "timezone", message: `unknown IANA timezone "${input.timezone}"` });
    return { ok: false, errors };
  }
  const start = readDate(input.startDate, input.timezone);
  if (!start) errors.push({ path: "startDate", message: DATE_MESSAGE });
  const end = input.endDate == null ? null : readDate(input.endDate, input.timezone);
  if (input.endDate != null && !end) errors.push({ path: "endDate", message: DATE_MESSAGE });
  if (start && end && end.at < start.at)
    errors.push({ path: "endDate", message: "must not be before startDate" });
  const holidayRegion = input.skipHolidays ? (input.holidayCountry ?? defaults.holidayCountry ?? null) : null;
  if (input.skipHolidays && !holidayRegion) {
    errors.push({
      path: "holidayCountry",
      message: "skipHolidays needs a holidayCountry (here or on the tenant)",
    });
  }
  if (errors.length > 0 || !recurrence || !start) return { ok: false, errors };
  return {
    ok: true,
    rule: {
      recurrence,
      zone: input.timezone,
      start: start.at,
      startWall: start.wall,
      end: end?.at ?? null,
      maxOccurrences: input.maxOccurrences ?? null,
      skipWeekends: input.skipWeekends ?? false,
      holidayRegion,
      businessHours: input.businessHoursOnly
        ? (input.businessHours ?? defaults.businessHours ?? DEFAULT_BUSINESS_HOURS)
        : null,
    },
  };
}

/** "At 09:00, Monday through Friday" (cronstrue), in 24-hour time. */
export function describeCron(expression: string): string {
  try {
    return cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return expression;
  }
}

export function describeRule(input: PatternRuleInput): string {
  const base = input.cronExpression
    ? describeCron(input.cronExpression)
    : `Every ${input.intervalValue === 1 ? input.intervalType!.replace(/s$/, "") : `${input.intervalValue} ${input.intervalType}`}`;
  const filters = [
    input.skipWeekends ? "skipping weekends" : null,
    input.skipHolidays ? "skipping holidays" : null,
    input.businessHoursOnly ? "only in business hours" : null,
  ].filter(Boolean);
  return `${base} (${input.timezone})${filters.length ? `, ${filters.join(", ")}` : ""}`;
}
