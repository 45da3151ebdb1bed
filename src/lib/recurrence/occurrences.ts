import { type BusinessHours, isBusinessTime, localParts } from "../time/calendar";
import { isDayOff } from "../time/holidays";
import { naiveMs, resolveWallClock, type WallClock, wallClockOfNaive } from "../time/local-time";
import { nextTransition, offsetMinutesAt } from "../time/zones";
import { type CronSpec, lastDayOf, matchingWallTimes } from "./cron";

export type IntervalUnit = "minutes" | "hours" | "days" | "weeks" | "months" | "years";

export type Recurrence =
  | { kind: "cron"; spec: CronSpec }
  | { kind: "interval"; unit: IntervalUnit; every: number };

/** A recurring rule as plain data: instants in epoch ms, wall clocks in `zone`. */
export interface RecurrenceRule {
  recurrence: Recurrence;
  zone: string;
  /** The first instant of the window (startDate, inclusive). */
  start: number;
  /** The wall clock startDate was given as: P6 keeps its time of day and its day of month. */
  startWall: WallClock;
  /** Last instant of the window, inclusive. */
  end?: number | null;
  maxOccurrences?: number | null;
  skipWeekends?: boolean;
  /** Set when skipHolidays: public and bank holidays of this region are dropped. */
  holidayRegion?: string | null;
  /** Set when businessHoursOnly: occurrences outside these hours are dropped. */
  businessHours?: BusinessHours | null;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Nothing is generated past this (the API refuses dates beyond it anyway). */
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** A search that examined this many candidates without finishing stops (filters that drop all). */
export const MAX_CANDIDATES = 1_000_000;
const FOUR_CENTURIES = 146_097 * DAY;

/** P3: each matching wall time on its own date, resolved by P1; equal instants emitted once. */
function* fixedTimeCron(spec: CronSpec, zone: string, from: number): Generator<number> {
  // Start a day early in wall time: an instant at or after `from` may read an earlier wall time.
  const fromNaive = from + offsetMinutesAt(zone, from) * MINUTE - DAY;
  let last = Number.NEGATIVE_INFINITY;
  for (const naive of matchingWallTimes(spec, fromNaive, naiveMs(wallClockOfNaive(LAST_INSTANT)))) {
    const at = resolveWallClock(wallClockOfNaive(naive), zone).epochMs;
    if (at < from || at === last) continue;
    last = at;
    yield at;
  }
}

/**
 * P4: every real instant whose wall clock matches. Between two offset changes the wall clock is
 * the instant plus one offset, so each such segment maps a wall-clock range one to one: gap times
 * fall in no segment, overlap times in two.
 */
function* intervalLikeCron(spec: CronSpec, zone: string, from: number): Generator<number> {
  let segmentStart = from;
  let lastYield = from;
  while (segmentStart <= LAST_INSTANT && segmentStart - lastYield < FOUR_CENTURIES) {
    const offset = offsetMinutesAt(zone, segmentStart) * MINUTE;
    const change = nextTransition(zone, segmentStart, 1);
    const segmentEnd = Math.min(change ? change.at : segmentStart + 366 * DAY, LAST_INSTANT + 1);
    for (const naive of matchingWallTimes(spec, segmentStart + offset, segmentEnd + offset)) {
      lastYield = naive - offset;
      yield lastYield;
    }
    segmentStart = segmentEnd;
  }
}

/** P6 occurrence k of an interval rule. */
function intervalOccurrence(rule: RecurrenceRule, unit: IntervalUnit, every: number, k: number): number {
  if (k === 0) return rule.start;
  if (unit === "minutes" || unit === "hours")
    return rule.start + k * every * (unit === "minutes" ? MINUTE : 60 * MINUTE);
  const w = rule.startWall;
  if (unit === "days" || unit === "weeks") {
    const days = k * every * (unit === "weeks" ? 7 : 1);
    const date = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
    return resolveWallClock(
      { ...w, year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() },
      rule.zone,
    ).epochMs;
  }
  // Months and years count from the start each time and clamp to the month's last day.
  const months = w.month - 1 + k * every * (unit === "years" ? 12 : 1);
  const year = w.year + Math.floor(months / 12);
  const month = (months % 12) + 1;
  return resolveWallClock({ ...w, year, month, day: Math.min(w.day, lastDayOf(year, month)) }, rule.zone)
    .epochMs;
}

function* intervalRule(
  rule: RecurrenceRule,
  unit: IntervalUnit,
  every: number,
  from: number,
): Generator<number> {
  // Jump close to `from` instead of walking from the start (a minutely rule started years ago).
  const approxStep =
    every *
    { minutes: MINUTE, hours: 60 * MINUTE, days: DAY, weeks: 7 * DAY, months: 28 * DAY, years: 365 * DAY }[
      unit
    ];
  let k = Math.max(0, Math.floor((from - rule.start) / approxStep) - 2);
  for (;;) {
    const at = intervalOccurrence(rule, unit, every, k);
    if (at > LAST_INSTANT) return;
    if (at >= from) yield at;
    k++;
  }
}

/** The rule's occurrences at or after `from`, before the window and filters apply. */
function rawOccurrences(rule: RecurrenceRule, from: number): Generator<number> {
  const r = rule.recurrence;
  if (r.kind === "interval") return intervalRule(rule, r.unit, r.every, from);
  return r.spec.kind === "fixed-time"
    ? fixedTimeCron(r.spec, rule.zone, from)
    : intervalLikeCron(r.spec, rule.zone, from);
}

/** P7 filters: they drop occurrences, never move them. */
function dropped(rule: RecurrenceRule, at: number): boolean {
  if (!rule.skipWeekends && !rule.holidayRegion && !rule.businessHours) return false;
  const local = localParts(at, rule.zone);
  if (rule.skipWeekends && local.weekday >= 6) return true;
  if (rule.holidayRegion && isDayOff(rule.holidayRegion, local.date)) return true;
  return Boolean(
    rule.businessHours && !isBusinessTime(at, { zone: rule.zone, businessHours: rule.businessHours }),
  );
}

export interface OccurrenceQuery {
  /** Only occurrences strictly after this instant (they still count toward maxOccurrences). */
  after?: number;
  /** Stop past this instant (inclusive bound). */
  until?: number;
  count: number;
}

export interface OccurrenceList {
  occurrences: number[];
  /** The rule has no occurrence beyond the last one listed (window, maxOccurrences or never). */
  exhausted: boolean;
}

/**
 * P7: occurrences in [start, end] that survive the filters, numbered from the start (index 0), the
 * first min(count, maxOccurrences) after `after`. Bounded: the search gives up after MAX_CANDIDATES.
 */
export function listOccurrences(rule: RecurrenceRule, query: OccurrenceQuery): OccurrenceList {
  const occurrences: number[] = [];
  // Without maxOccurrences nothing before `after` matters, so the search may start there.
  const countFromStart = Boolean(rule.maxOccurrences);
  const from =
    !countFromStart && query.after !== undefined ? Math.max(rule.start, query.after + 1) : rule.start;
  let index = -1;
  let examined = 0;
  for (const at of rawOccurrences(rule, from)) {
    if (++examined > MAX_CANDIDATES) return { occurrences, exhausted: false };
    if (rule.end != null && at > rule.end) return { occurrences, exhausted: true };
    if (query.until !== undefined && at > query.until) return { occurrences, exhausted: false };
    if (dropped(rule, at)) continue;
    index++;
    if (rule.maxOccurrences && index >= rule.maxOccurrences) return { occurrences, exhausted: true };
    if (query.after !== undefined && at <= query.after) continue;
    occurrences.push(at);
    if (occurrences.length >= query.count) return { occurrences, exhausted: false };
  }
  return { occurrences, exhausted: true };
}
