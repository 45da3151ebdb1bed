import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { naiveMs, parseInstant, parseWallClock, resolveLocalTime } from "../../src/lib/time/local-time";
import { isValidTimeZone, offsetMinutesAt } from "../../src/lib/time/zones";
import vectors from "../vectors/p1-local-times.json";

describe("P1: local wall-clock times resolve to the first instant the clock reads them", () => {
  // Expected instants come from scripts/vectors/p1_local_times.py (Python zoneinfo, brute force).
  it.each(vectors)("$zone $local → $expected", ({ zone, local, expected, adjusted, ambiguous }) => {
    const resolved = resolveLocalTime(local, zone);
    expect(resolved).not.toBeNull();
    expect(new Date(resolved!.epochMs).toISOString()).toBe(expected);
    expect(resolved!.adjusted).toBe(adjusted);
    expect(resolved!.ambiguous).toBe(ambiguous);
  });

  const zones = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Africa/Casablanca",
    "Pacific/Apia",
    "Asia/Kathmandu",
  ];
  const wallClock = fc.record({
    year: fc.integer({ min: 2000, max: 2037 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.constant(0),
    millisecond: fc.constant(0),
  });

  it("reads the wall time (or the first instant after a gap) and never an earlier instant", () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), wallClock, (zone, wall) => {
        const text = `${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:00`;
        const resolved = resolveLocalTime(text, zone)!;
        const target = naiveMs(wall);
        const readsAt = (t: number) => t + offsetMinutesAt(zone, t) * 60_000;
        expect(readsAt(resolved.epochMs)).toBeGreaterThanOrEqual(target);
        expect(readsAt(resolved.epochMs - 1)).toBeLessThan(target);
        if (!resolved.adjusted) expect(readsAt(resolved.epochMs)).toBe(target);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parsing", () => {
  it("tells instants from wall-clock times", () => {
    expect(parseInstant("2026-12-01T08:00:00Z")).toBe(Date.UTC(2026, 11, 1, 8));
    expect(parseInstant("2026-12-01T09:00:00+01:00")).toBe(Date.UTC(2026, 11, 1, 8));
    expect(parseInstant("2026-12-01T09:00:00")).toBeNull();
    expect(parseWallClock("2026-12-01T09:00:00Z")).toBeNull();
    expect(parseWallClock("2026-12-01T09:00")).toMatchObject({ hour: 9, minute: 0, second: 0 });
  });

  it("refuses dates that do not exist on any calendar", () => {
    expect(parseWallClock("2027-02-29T09:00:00")).toBeNull();
    expect(parseWallClock("2028-02-29T09:00:00")).not.toBeNull();
    expect(parseWallClock("2027-04-31T09:00:00")).toBeNull();
    expect(parseWallClock("2027-01-01T24:00:00")).toBeNull();
  });

  it("accepts IANA names only", () => {
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("Asia/Calcutta")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("+01:00")).toBe(false);
    expect(isValidTimeZone("UTC+1")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });
});

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
