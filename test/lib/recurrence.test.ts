import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCron } from "../../src/lib/recurrence/cron";
import {
  type IntervalUnit,
  listOccurrences,
  type RecurrenceRule,
} from "../../src/lib/recurrence/occurrences";
import { parseWallClock, resolveWallClock, wallClockAt } from "../../src/lib/time/local-time";
import { formatInstant, isDstAt, offsetMinutesAt, transitionsInYear } from "../../src/lib/time/zones";
import vectors from "../vectors/recurrence.json";

function startOf(zone: string, local: string) {
  const startWall = parseWallClock(local)!;
  return { zone, start: resolveWallClock(startWall, zone).epochMs, startWall };
}

function cronRule(
  expression: string,
  zone: string,
  local: string,
  extra: Partial<RecurrenceRule> = {},
): RecurrenceRule {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { recurrence: { kind: "cron", spec: parsed.spec }, ...startOf(zone, local), ...extra };
}

const iso = (list: number[]) => list.map(formatInstant);

// Expected values: scripts/vectors/recurrence.py (Python zoneinfo and brute force, not our code).
describe("cron occurrences (P2–P5) against independent vectors", () => {
  it.each(vectors.cron)("$why: $expression in $zone", ({ expression, zone, start, expected }) => {
    const { occurrences } = listOccurrences(cronRule(expression, zone, start), { count: expected.length });
    expect(iso(occurrences)).toEqual(expected);
  });
});

describe("interval occurrences (P6) against independent vectors", () => {
  it.each(vectors.interval)("$why: every $every $unit in $zone", ({ unit, every, zone, start, expected }) => {
    const rule: RecurrenceRule = {
      recurrence: { kind: "interval", unit: unit as IntervalUnit, every },
      ...startOf(zone, start),
    };
    expect(iso(listOccurrences(rule, { count: expected.length }).occurrences)).toEqual(expected);
  });
});

describe("zone data (P8)", () => {
  it.each(vectors.transitions)("transitions of $zone in $year", ({ zone, year, expected }) => {
    const got = transitionsInYear(zone, year).map((t) => ({ ...t, at: formatInstant(t.at) }));
    expect(got).toEqual(expected);
  });
  it.each(vectors.dst)(
    "$zone at $at: offset $offsetMinutes, isDST $isDST",
    ({ zone, at, offsetMinutes, isDST }) => {
      expect(offsetMinutesAt(zone, Date.parse(at))).toBe(offsetMinutes);
      expect(isDstAt(zone, Date.parse(at))).toBe(isDST);
    },
  );
});

describe("cron parsing", () => {
  it("classifies by P2: a leading * in seconds, minute or hour is interval-like", () => {
    const kind = (e: string) => {
      const p = parseCron(e);
      return p.ok ? p.spec.kind : "invalid";
    };
    expect(["*/15 * * * *", "@hourly", "0 * * * *", "* 9 * * *", "*/5 0 9 * * *"].map(kind)).toEqual(
      Array(5).fill("interval-like"),
    );
    expect(["0 0-23 * * *", "0,30 2 * * *", "@daily", "0 9 * * MON-FRI", "15 10 9 * * *"].map(kind)).toEqual(
      Array(5).fill("fixed-time"),
    );
  });

  it("names the field that is wrong, and says when a cron can never match", () => {
    const message = (e: string) => {
      const p = parseCron(e);
      return p.ok ? "ok" : p.errors[0]!.message;
    };
    expect(message("61 * * * *")).toMatch(/^minute field "61"/);
    expect(message("0 25 * * *")).toMatch(/^hour field "25"/);
    expect(message("0 0 * * FOO")).toMatch(/^day-of-week field "FOO"/);
    expect(message("* * *")).toMatch(/has 3 fields/);
    expect(message("0 0 30 2 *")).toMatch(/never matches/);
    expect(message("0 0 31 4,6,9,11 *")).toMatch(/never matches/);
    // With a weekday too, the OR rule makes it match (every Monday).
    expect(message("0 0 30 2 1")).toBe("ok");
  });

  it("supports L and #: last day of the month, second Friday, last Friday", () => {
    const days = (e: string) =>
      iso(listOccurrences(cronRule(e, "UTC", "2027-01-01T00:00:00"), { count: 3 }).occurrences).map((s) =>
        s.slice(0, 10),
      );
    expect(days("0 0 L * *")).toEqual(["2027-01-31", "2027-02-28", "2027-03-31"]);
    expect(days("0 0 * * 5#2")).toEqual(["2027-01-08", "2027-02-12", "2027-03-12"]);
    expect(days("0 0 * * 5L")).toEqual(["2027-01-29", "2027-02-26", "2027-03-26"]);
  });
});

describe("window and filters (P7)", () => {
  it("start and end are inclusive; maxOccurrences counts only what the filters keep", () => {
    const rule = cronRule("0 9 * * *", "Europe/Berlin", "2027-01-01T09:00:00", {
      end: Date.parse("2027-01-10T08:00:00Z"),
      skipWeekends: true,
    });
    const all = iso(listOccurrences(rule, { count: 100 }).occurrences);
    // Jan 1 (Fri) at 09:00 is the start itself; Jan 10 09:00 CET is exactly the end.
    expect(all).toEqual([
      "2027-01-01T08:00:00.000Z",
      "2027-01-04T08:00:00.000Z",
      "2027-01-05T08:00:00.000Z",
      "2027-01-06T08:00:00.000Z",
      "2027-01-07T08:00:00.000Z",
      "2027-01-08T08:00:00.000Z",
    ]);
    const capped = listOccurrences({ ...rule, end: null, maxOccurrences: 3 }, { count: 100 });
    expect(iso(capped.occurrences)).toEqual(all.slice(0, 3));
    expect(capped.exhausted).toBe(true);
    // `after` skips, but what it skips still counts toward maxOccurrences.
    const later = listOccurrences(
      { ...rule, end: null, maxOccurrences: 3 },
      { count: 100, after: Date.parse(all[0]!) },
    );
    expect(iso(later.occurrences)).toEqual(all.slice(1, 3));
  });

  it("skipHolidays drops public and bank holidays of the region", () => {
    const rule = cronRule("0 9 * * *", "Europe/Berlin", "2027-12-23T00:00:00", { holidayRegion: "DE" });
    const days = iso(listOccurrences(rule, { count: 3 }).occurrences).map((s) => s.slice(0, 10));
    // Dec 24 (Heiligabend, a bank holiday in the data set), 25 and 26 (public) are dropped.
    expect(days).toEqual(["2027-12-23", "2027-12-27", "2027-12-28"]);
  });

  it("businessHoursOnly drops (never moves) occurrences outside business hours", () => {
    const rule = cronRule("0 */4 * * *", "America/New_York", "2027-06-07T00:00:00", {
      businessHours: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" },
    });
    const times = listOccurrences(rule, { count: 4 }).occurrences.map((t) =>
      new Date(t + offsetMinutesAt("America/New_York", t) * 60_000).toISOString().slice(0, 16),
    );
    expect(times).toEqual(["2027-06-07T12:00", "2027-06-07T16:00", "2027-06-08T12:00", "2027-06-08T16:00"]);
  });

  it("a search that can never succeed ends (filters dropping every occurrence)", () => {
    const rule = cronRule("0 9 * * 6", "UTC", "2027-01-01T00:00:00", { skipWeekends: true });
    const result = listOccurrences(rule, { count: 5 });
    expect(result.occurrences).toEqual([]);
  });
});

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "America/Santiago",
  "Asia/Kathmandu",
  "Pacific/Apia",
];

describe("properties", () => {
  it("occurrences strictly increase; fixed-time ones read their wall time or follow a gap", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        fc.boolean(),
        fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2030, 0, 1) }),
        (zone, hour, minute, intervalLike, startMs) => {
          const expression = intervalLike ? `${minute} * * * *` : `${minute} ${hour} * * *`;
          const parsed = parseCron(expression);
          if (!parsed.ok) return false;
          const rule: RecurrenceRule = {
            recurrence: { kind: "cron", spec: parsed.spec },
            zone,
            start: startMs,
            startWall: wallClockAt(startMs, zone),
          };
          const { occurrences } = listOccurrences(rule, { count: 60 });
          expect(occurrences.length).toBe(60);
          for (let i = 0; i < occurrences.length; i++) {
            const t = occurrences[i]!;
            if (i > 0) expect(t).toBeGreaterThan(occurrences[i - 1]!);
            expect(t).toBeGreaterThanOrEqual(startMs);
            const wall = new Date(t + offsetMinutesAt(zone, t) * 60_000);
            const reads = wall.getUTCMinutes() === minute && (intervalLike || wall.getUTCHours() === hour);
            // A fixed-time occurrence that does not read its time is the first instant after a gap.
            if (!reads) {
              expect(intervalLike).toBe(false);
              expect(offsetMinutesAt(zone, t - 1)).toBeLessThan(offsetMinutesAt(zone, t));
            }
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rare valid expressions are found, however far apart their occurrences are", () => {
    const first = (expression: string) =>
      listOccurrences(cronRule(expression, "UTC", "2027-01-01T00:00:00"), { count: 1000 }).occurrences;
    const leapDays = first("0 0 29 2 *");
    expect(leapDays).toHaveLength(1000);
    expect(formatInstant(leapDays[0]!)).toBe("2028-02-29T00:00:00.000Z");
    // 2100, 2200 and 2300 are not leap years: four centuries hold 97 Feb 29ths, not 100.
    expect(leapDays.filter((t) => t < Date.UTC(2428, 0, 1))).toHaveLength(97);
    expect(first("0 0 L 2 *")).toHaveLength(1000);
  });
});
