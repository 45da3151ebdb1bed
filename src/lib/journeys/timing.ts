import { DateTime, Duration } from "luxon";
import { hash32 } from "../optimizer/random";
import { addLocalDays, atLocal, localParts } from "../time/calendar";

/** An ISO 8601 duration ("P1D", "PT30M", "P1W"); null when it is not one or is negative. */
export function parseDelay(text: string): Duration | null {
  const duration = Duration.fromISO(text);
  if (!duration.isValid) return null;
  return duration.toMillis() < 0 ? null : duration;
}

/**
 * When each step is due: `start` plus the delays up to and including it. Calendar units (days,
 * weeks, months) are added in `zone` and keep its wall-clock time across a DST change, as P6
 * does for recurring days; hours and minutes are elapsed time.
 */
export function cumulativeDueTimes(start: number, delays: Duration[], zone: string): number[] {
  let at = DateTime.fromMillis(start, { zone });
  return delays.map((delay) => {
    at = at.plus(delay);
    return at.toMillis();
  });
}

/**
 * The first instant at or after `after` at which the wall clock in `zone` reads `hhmm`, resolved
 * by P1 (a time in a gap fires at the transition instant).
 */
export function firstLocalTimeAtOrAfter(after: number, hhmm: string, zone: string): number {
  const { date } = localParts(after, zone);
  const sameDay = atLocal(date, hhmm, zone);
  if (sameDay >= after) return sameDay;
  return atLocal(addLocalDays(date, 1).date, hhmm, zone);
}

/**
 * A stable sample: the same (key, user) is always in or always out, and about `percentage` % of
 * users are in. Hash-based, so no state is kept and a retried chunk samples the same users.
 */
export function inSample(key: string, userId: string, percentage: number): boolean {
  if (percentage >= 100) return true;
  return (hash32(`${key}|${userId}`) / 2 ** 32) * 100 < percentage;
}
