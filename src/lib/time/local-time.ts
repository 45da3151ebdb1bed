import { offsetMinutesAt } from "./zones";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Wall-clock fields of a local date-time, with no zone attached. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export interface ResolvedLocalTime {
  epochMs: number;
  /** The wall time did not exist (DST gap, skipped day): moved to the first instant after it. */
  adjusted: boolean;
  /** The wall time occurred twice (fall-back overlap): the earlier instant was taken. */
  ambiguous: boolean;
}

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO date-time with `Z` or an offset names an instant; parsed to epoch ms, or null if malformed. */
export function parseInstant(text: string): number | null {
  if (!INSTANT_PATTERN.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/** An ISO date-time without offset names a wall-clock time; null if malformed or not a real date. */
export function parseWallClock(text: string): WallClock | null {
  const m = LOCAL_PATTERN.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] ? Number(m[6]) : 0;
  const millisecond = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day, hour, minute, second, millisecond };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** What the zone's wall clock reads at an instant. */
export function wallClockAt(epochMs: number, zone: string): WallClock {
  return wallClockOfNaive(epochMs + offsetMinutesAt(zone, epochMs) * 60_000);
}

/** The wall clock a naive millisecond count stands for (the inverse of naiveMs). */
export function wallClockOfNaive(naive: number): WallClock {
  const local = new Date(naive);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
  };
}

/** The wall clock read as if it were UTC: the "naive" millisecond count used for offset arithmetic. */
export function naiveMs(wall: WallClock): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
}

/**
 * DESIGN P1 ("alarm clock"): the first instant at which the zone's wall clock reads `wall` or later.
 * Luxon alone moves gap times an hour later and picks an arbitrary side of an overlap, so the
 * offsets are examined explicitly: a candidate offset is valid when the instant it yields really
 * has that offset. Two valid candidates = overlap (take the earlier instant); none = gap (take the
 * transition instant, found by binary search, which handles any gap length, a skipped day included).
 */
export function resolveWallClock(wall: WallClock, zone: string): ResolvedLocalTime {
  const naive = naiveMs(wall);
  // Offsets in force around the wall time; two days either side covers a whole skipped day.
  const nearbyOffsets = new Set([-48, -24, 0, 24, 48].map((h) => offsetMinutesAt(zone, naive + h * HOUR)));
  const valid: number[] = [];
  for (const offset of nearbyOffsets) {
    const candidate = naive - offset * MINUTE;
    if (offsetMinutesAt(zone, candidate) === offset) valid.push(candidate);
  }
  if (valid.length > 0) {
    const unique = [...new Set(valid)].sort((a, b) => a - b);
    return { epochMs: unique[0]!, adjusted: false, ambiguous: unique.length > 1 };
  }
  return { epochMs: gapEnd(naive, zone), adjusted: true, ambiguous: false };
}

/** The transition instant that ends the gap containing the naive wall time. */
function gapEnd(naive: number, zone: string): number {
  const before = offsetMinutesAt(zone, naive - 48 * HOUR);
  const after = offsetMinutesAt(zone, naive + 48 * HOUR);
  // With the old offset the wall time lies after the transition; with the new one, before it.
  let lo = naive - Math.max(before, after) * MINUTE; // wall clock reads < target here
  let hi = naive - Math.min(before, after) * MINUTE; // and >= target here
  const readsAtLeast = (t: number) => t + offsetMinutesAt(zone, t) * MINUTE >= naive;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (readsAtLeast(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Parse and resolve a local ISO string in a zone; null when the text is not a wall-clock time. */
export function resolveLocalTime(text: string, zone: string): ResolvedLocalTime | null {
  const wall = parseWallClock(text);
  return wall ? resolveWallClock(wall, zone) : null;
}
