import { isDayOff } from "./holidays";
import { resolveWallClock, wallClockAt } from "./local-time";

/** Working days as ISO weekdays (1 = Monday … 7 = Sunday) and a daily [start, end) window. */
export interface BusinessHours {
  days: number[];
  start: string;
  end: string;
}

/** Where neither the request nor the tenant says otherwise: Monday–Friday, 09:00–17:00. */
export const DEFAULT_BUSINESS_HOURS: BusinessHours = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" };

/** A daily window in which nothing is sent; `end` before `start` wraps past midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

export interface SendConstraints {
  zone: string;
  businessHours?: BusinessHours | null;
  quietHours?: QuietHours | null;
  /** Holidays of this region are not business days (date-holidays: "DE", "US-CA"). */
  holidayRegion?: string | null;
}

export interface LocalParts {
  /** YYYY-MM-DD */
  date: string;
  year: number;
  month: number;
  day: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Minutes since local midnight. */
  minuteOfDay: number;
}

export function localParts(epochMs: number, zone: string): LocalParts {
  const { year, month, day, hour, minute } = wallClockAt(epochMs, zone);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return {
    date: `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
    year,
    month,
    day,
    weekday: weekday === 0 ? 7 : weekday,
    minuteOfDay: hour * 60 + minute,
  };
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** The calendar date `days` after a YYYY-MM-DD date, with its ISO weekday. */
export function addLocalDays(date: string, days: number): { date: string; weekday: number } {
  const d = new Date(
    Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) + days),
  );
  return { date: d.toISOString().slice(0, 10), weekday: d.getUTCDay() === 0 ? 7 : d.getUTCDay() };
}

/** P1 instant of a local date (YYYY-MM-DD) at HH:MM. */
export function atLocal(date: string, hhmm: string, zone: string): number {
  return resolveWallClock(
    {
      year: Number(date.slice(0, 4)),
      month: Number(date.slice(5, 7)),
      day: Number(date.slice(8, 10)),
      hour: Number(hhmm.slice(0, 2)),
      minute: Number(hhmm.slice(3, 5)),
      second: 0,
      millisecond: 0,
    },
    zone,
  ).epochMs;
}

function isWorkingDay(date: string, weekday: number, hours: BusinessHours, region?: string | null): boolean {
  return hours.days.includes(weekday) && !(region && isDayOff(region, date));
}

export function isBusinessTime(epochMs: number, c: SendConstraints): boolean {
  if (!c.businessHours) return true;
  const local = localParts(epochMs, c.zone);
  const { start, end } = c.businessHours;
  return (
    isWorkingDay(local.date, local.weekday, c.businessHours, c.holidayRegion) &&
    local.minuteOfDay >= minutesOf(start) &&
    local.minuteOfDay < minutesOf(end)
  );
}

/** The first instant at or after `epochMs` inside business hours; null if none within ~13 months. */
export function nextBusinessInstant(epochMs: number, c: SendConstraints): number | null {
  const hours = c.businessHours;
  if (!hours || isBusinessTime(epochMs, c)) return epochMs;
  const today = localParts(epochMs, c.zone).date;
  for (let offset = 0; offset <= 400; offset++) {
    const { date, weekday } = addLocalDays(today, offset);
    if (!isWorkingDay(date, weekday, hours, c.holidayRegion)) continue;
    const close = atLocal(date, hours.end, c.zone);
    if (epochMs < close) return Math.max(epochMs, atLocal(date, hours.start, c.zone));
  }
  return null;
}

/** If `epochMs` falls in quiet hours, the instant they end; otherwise null. */
export function quietHoursEnd(epochMs: number, c: SendConstraints): number | null {
  const quiet = c.quietHours;
  if (!quiet) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const local = localParts(epochMs, c.zone);
  const m = local.minuteOfDay;
  if (start < end) return m >= start && m < end ? atLocal(local.date, quiet.end, c.zone) : null;
  if (m >= start) return atLocal(addLocalDays(local.date, 1).date, quiet.end, c.zone);
  if (m < end) return atLocal(local.date, quiet.end, c.zone);
  return null;
}

/**
 * The first instant at or after `epochMs` outside quiet hours and inside business hours (when
 * given), or null when the two never meet (quiet hours covering the whole business day).
 */
export function nextAllowedInstant(epochMs: number, c: SendConstraints): number | null {
  let t = epochMs;
  for (let round = 0; round < 32; round++) {
    const afterQuiet = quietHoursEnd(t, c) ?? t;
    const allowed = nextBusinessInstant(afterQuiet, c);
    if (allowed === null) return null;
    if (allowed === t) return t;
    t = allowed;
  }
  return null;
}
