import { CronExpressionParser } from "cron-parser";
import type { FieldError } from "../errors";

/**
 * A cron expression reduced to the sets it matches. cron-parser parses and validates the fields
 * (names, ranges, steps, L and #); the iteration and all DST handling are ours (DESIGN P2–P5),
 * because the library moves gap times to the next hour and drops repeated hours.
 */
export interface CronSpec {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  lastDayOfMonth: boolean;
  months: number[];
  /** 0 = Sunday … 6 = Saturday. */
  daysOfWeek: number[];
  /** From `5#2`: the weekday must be the nth of its month (0: no such constraint). */
  nthDayOfWeek: number;
  /** From `5L`: the last such weekday of the month. */
  lastDaysOfWeek: number[];
  /** Vixie/cronie: a day field that does not begin with `*` (or `?`) restricts; both restricted → OR. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
  /** P2: `*` leading the seconds, minute or hour field makes the cron interval-like. */
  kind: "fixed-time" | "interval-like";
  /** The expression in 6-field form (seconds first), macros expanded. */
  normalized: string;
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const FIELD_NAMES = ["second", "minute", "hour", "day-of-month", "month", "day-of-week"] as const;
const WILDCARD_TEMPLATE = ["0", "*", "*", "*", "*", "*"];

export type CronParse = { ok: true; spec: CronSpec } | { ok: false; errors: FieldError[] };

function fail(message: string): CronParse {
  return { ok: false, errors: [{ path: "cronExpression", message }] };
}

function daysIn(month: number): number {
  return [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Parsing costs seven cron-parser runs (one per field, to name a bad one); many patterns share expressions. */
const parsedExpressions = new Map<string, CronParse>();

export function parseCron(expression: string): CronParse {
  let parsed = parsedExpressions.get(expression);
  if (!parsed) {
    parsed = parseCronUncached(expression);
    if (parsedExpressions.size >= 5000) parsedExpressions.clear();
    parsedExpressions.set(expression, parsed);
  }
  return parsed;
}

function parseCronUncached(expression: string): CronParse {
  const trimmed = expression.trim();
  if (trimmed.length === 0) return fail("is empty");
  if (trimmed.length > 256) return fail("is longer than 256 characters");
  let text = trimmed;
  if (text.startsWith("@")) {
    const expanded = MACROS[text.toLowerCase()];
    if (!expanded) return fail(`unknown macro ${text}; use one of ${Object.keys(MACROS).join(", ")}`);
    text = expanded;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    return fail(
      `has ${parts.length} fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`,
    );
  }
  const fields = parts.length === 5 ? ["0", ...parts] : parts;
  // Which field is wrong: parse each alone against wildcards, so the message can name it.
  for (let i = 0; i < 6; i++) {
    const probe = [...WILDCARD_TEMPLATE];
    probe[i] = fields[i]!;
    try {
      CronExpressionParser.parse(probe.join(" "));
    } catch (error) {
      return fail(`${FIELD_NAMES[i]} field "${fields[i]}": ${reason(error)}`);
    }
  }
  const normalized = fields.join(" ");
  let parsed: ReturnType<typeof CronExpressionParser.parse>;
  try {
    parsed = CronExpressionParser.parse(normalized);
  } catch (error) {
    return fail(neverMatchesReason(fields) ?? reason(error));
  }
  const f = parsed.fields;
  const numbers = (values: readonly (number | string)[]) =>
    values.filter((v): v is number => typeof v === "number");
  const dowValues = f.dayOfWeek.values as readonly (number | string)[];
  const spec: CronSpec = {
    seconds: numbers(f.second.values),
    minutes: numbers(f.minute.values),
    hours: numbers(f.hour.values),
    daysOfMonth: numbers(f.dayOfMonth.values),
    lastDayOfMonth: (f.dayOfMonth.values as readonly (number | string)[]).includes("L"),
    months: numbers(f.month.values),
    daysOfWeek: [...new Set(numbers(dowValues).map((d) => d % 7))],
    nthDayOfWeek: Math.max(f.dayOfWeek.nthDay, 0),
    lastDaysOfWeek: dowValues
      .filter((v): v is string => typeof v === "string" && /^\dL$/.test(v))
      .map((v) => Number(v[0]) % 7),
    dayOfMonthRestricted: !/^[*?]/.test(fields[3]!),
    dayOfWeekRestricted: !/^[*?]/.test(fields[5]!),
    kind: [fields[0]!, fields[1]!, fields[2]!].some((field) => field.startsWith("*"))
      ? "interval-like"
      : "fixed-time",
    normalized,
  };
  const never = neverMatchesReason(fields, spec);
  return never ? fail(never) : { ok: true, spec };
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^Error:\s*/, "");
}

/** "0 0 30 2 *": a day of month that none of the months has, with no weekday to fall back on. */
function neverMatchesReason(fields: string[], spec?: CronSpec): string | null {
  let days: number[];
  let months: number[];
  if (spec) {
    if (spec.dayOfWeekRestricted || spec.lastDayOfMonth) return null;
    days = spec.daysOfMonth;
    months = spec.months;
  } else {
    if (!/^[*?]/.test(fields[5]!)) return null;
    try {
      const probe = (i: number) => {
        const p = [...WILDCARD_TEMPLATE];
        p[i] = fields[i]!;
        return CronExpressionParser.parse(p.join(" ")).fields;
      };
      days = (probe(3).dayOfMonth.values as readonly (number | string)[]).filter(
        (v): v is number => typeof v === "number",
      );
      months = probe(4).month.values as number[];
    } catch {
      return null;
    }
  }
  if (days.length === 0) return null;
  if (months.some((m) => days.some((d) => d <= daysIn(m)))) return null;
  return `never matches: no month in the month field has day ${days.join(",")}`;
}

export function lastDayOf(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Does the cron match this local calendar day? (P5: OR rule when both day fields restrict.) */
export function cronMatchesDay(spec: CronSpec, year: number, month: number, day: number): boolean {
  if (!spec.months.includes(month)) return false;
  const last = lastDayOf(year, month);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const domMatch = spec.daysOfMonth.includes(day) || (spec.lastDayOfMonth && day === last);
  const dowMatch =
    (spec.daysOfWeek.includes(weekday) &&
      (spec.nthDayOfWeek === 0 || Math.ceil(day / 7) === spec.nthDayOfWeek)) ||
    (spec.lastDaysOfWeek.includes(weekday) && day + 7 > last);
  if (spec.dayOfMonthRestricted && spec.dayOfWeekRestricted) return domMatch || dowMatch;
  if (spec.dayOfMonthRestricted) return domMatch;
  if (spec.dayOfWeekRestricted) return dowMatch;
  return true;
}

const DAY_MS = 86_400_000;
/** Four centuries: the Gregorian calendar repeats, so a day rule that matched nothing never will. */
export const MAX_EMPTY_DAYS = 146_097;

/**
 * Matching local wall-clock times, as naive milliseconds (the wall clock read as if UTC), in order,
 * from `fromNaive` (inclusive) to `toNaive` (exclusive). Stops after four centuries of no match.
 */
export function* matchingWallTimes(spec: CronSpec, fromNaive: number, toNaive: number): Generator<number> {
  let dayStart = Math.floor(fromNaive / DAY_MS) * DAY_MS;
  let emptyDays = 0;
  while (dayStart < toNaive && emptyDays < MAX_EMPTY_DAYS) {
    const date = new Date(dayStart);
    if (cronMatchesDay(spec, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())) {
      emptyDays = 0;
      for (const h of spec.hours) {
        const hourStart = dayStart + h * 3_600_000;
        if (hourStart + 3_600_000 <= fromNaive) continue;
        for (const m of spec.minutes) {
          const minuteStart = hourStart + m * 60_000;
          if (minuteStart + 60_000 <= fromNaive) continue;
          for (const s of spec.seconds) {
            const naive = minuteStart + s * 1000;
            if (naive < fromNaive) continue;
            if (naive >= toNaive) return;
            yield naive;
          }
        }
      }
    } else emptyDays++;
    dayStart += DAY_MS;
  }
}
