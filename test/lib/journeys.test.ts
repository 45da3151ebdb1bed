import { describe, expect, it } from "vitest";
import { campaignAllows, campaignAlreadyThere } from "../../src/lib/journeys/campaign-status";
import { matchesWhere, unmetCondition } from "../../src/lib/journeys/conditions";
import { allocateThrottledTimes } from "../../src/lib/journeys/throttle";
import { cumulativeDueTimes, firstLocalTimeAtOrAfter, parseDelay } from "../../src/lib/journeys/timing";

const at = (iso: string) => Date.parse(iso);

describe("journey timing", () => {
  it("finds the first local HH:MM at or after an instant, by P1 in a spring-forward gap", () => {
    // New York jumps 02:00 → 03:00 on 2027-03-14: 02:30 does not exist and fires at 03:00 EDT.
    expect(firstLocalTimeAtOrAfter(at("2027-03-14T05:00:00Z"), "02:30", "America/New_York")).toBe(
      at("2027-03-14T07:00:00Z"),
    );
    // Inclusive: the instant itself when the wall clock reads the time then.
    expect(firstLocalTimeAtOrAfter(at("2027-03-14T00:00:00Z"), "09:00", "Asia/Tokyo")).toBe(
      at("2027-03-14T00:00:00Z"),
    );
    // Past today's 09:00: tomorrow's.
    expect(firstLocalTimeAtOrAfter(at("2027-01-11T09:30:00Z"), "09:00", "UTC")).toBe(
      at("2027-01-12T09:00:00Z"),
    );
  });

  it("adds day delays in the zone's wall time and hour delays as elapsed time", () => {
    const start = at("2027-03-13T14:00:00Z"); // 09:00 EST the day before New York's DST change
    const days = cumulativeDueTimes(start, [parseDelay("PT0S")!, parseDelay("P1D")!], "America/New_York");
    expect(days).toEqual([start, at("2027-03-14T13:00:00Z")]); // 09:00 EDT: 23 h later
    const hours = cumulativeDueTimes(start, [parseDelay("PT24H")!], "America/New_York");
    expect(hours).toEqual([start + 24 * 3_600_000]);
    expect(parseDelay("-P1D")).toBeNull();
    expect(parseDelay("one day")).toBeNull();
  });
});

describe("throttle slots", () => {
  it("never puts more than the limit in a minute, and keeps a send's own time when its minute has room", () => {
    const counts = new Map<number, number>();
    const base = at("2027-01-11T09:00:30Z");
    const first = allocateThrottledTimes(counts, [base, base, base], 2);
    expect(first).toEqual([base, base, at("2027-01-11T09:01:00Z")]);
    // A later call shares the same budget: 09:00 is full, 09:01 has one place left, then 09:02.
    expect(allocateThrottledTimes(counts, [base, base], 2)).toEqual([
      at("2027-01-11T09:01:00Z"),
      at("2027-01-11T09:02:00Z"),
    ]);
  });
});

describe("conditions", () => {
  const facts = {
    opened: (id: string) => id === "sch_open",
    eventSeen: (name: string, since: number) => name === "purchase" && since <= 100,
  };
  it("names the first condition that fails, or none", () => {
    expect(
      unmetCondition([{ type: "not_opened", scheduleId: "sch_other", label: 'phase "a"' }], facts),
    ).toBeNull();
    expect(unmetCondition([{ type: "not_opened", scheduleId: "sch_open", label: 'phase "a"' }], facts)).toBe(
      'condition not met: phase "a" was opened',
    );
    expect(unmetCondition([{ type: "event_not_seen", event: "purchase", since: 50 }], facts)).toBe(
      'condition not met: event "purchase" was seen',
    );
    expect(unmetCondition([{ type: "event_seen", event: "purchase", since: 200 }], facts)).toBe(
      'condition not met: event "purchase" not seen',
    );
  });

  it("matches `where` by exact property values", () => {
    expect(matchesWhere({ store: "eu" }, { store: "eu", n: 1 })).toBe(true);
    expect(matchesWhere({ store: "eu" }, { store: "us" })).toBe(false);
    expect(matchesWhere({ n: 1 }, { n: "1" })).toBe(false);
    expect(matchesWhere(undefined, {})).toBe(true);
  });
});

describe("campaign statuses", () => {
  it("allows the transitions API.md lists and knows when a repeat is already done", () => {
    expect(campaignAllows("pause", "draft")).toBe(false);
    expect(campaignAllows("resume", "cancelled")).toBe(false);
    expect(campaignAllows("cancel", "paused")).toBe(true);
    expect(campaignAlreadyThere("pause", "paused")).toBe(true);
    expect(campaignAlreadyThere("resume", "running")).toBe(true);
    expect(campaignAlreadyThere("resume", "paused")).toBe(false);
    expect(campaignAlreadyThere("schedule", "scheduled")).toBe(false);
  });
});
