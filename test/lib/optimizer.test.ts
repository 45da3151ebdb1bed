import { describe, expect, it } from "vitest";
import { chooseSendTime } from "../../src/lib/optimizer/decide";
import {
  assignVariant,
  compareToControl,
  sampleSizePerVariant,
  wilsonInterval,
} from "../../src/lib/optimizer/experiments";
import { fitPrior, posterior } from "../../src/lib/optimizer/model";
import {
  type EngagementProfile,
  emptyProfile,
  HALF_LIFE_MS,
  parseProfile,
  recordOpen,
  recordSend,
  SLOTS,
  serializeProfile,
  totals,
} from "../../src/lib/optimizer/profile";
import { seededRandom } from "../../src/lib/optimizer/random";
import { candidateInstants, resolveSendTime, slotOf } from "../../src/lib/optimizer/resolve";
import { recalibration, trainModel } from "../../src/lib/optimizer/train";

const flatCounts = (value: number) => new Array(SLOTS).fill(value);

describe("engagement profile", () => {
  it("decays: a send one half-life older counts half", () => {
    const p = emptyProfile();
    recordSend(p, 10, 0, true);
    recordSend(p, 20, HALF_LIFE_MS, false);
    expect(p.sends[10]).toBeCloseTo(0.5, 6);
    expect(p.opens[10]).toBeCloseTo(0.5, 6);
    expect(p.sends[20]).toBe(1);
    // An open arriving later for the old send is weighted like the send.
    recordOpen(p, 20, HALF_LIFE_MS);
    expect(p.opens[20]).toBe(1);
  });

  it("stays small: a profile with every slot used, personal sends too, serializes within 4 KB and reads back", () => {
    const p = emptyProfile();
    const random = seededRandom(1);
    for (let i = 0; i < 5000; i++) recordSend(p, i % SLOTS, i * 3_600_000, random() < 0.2, i % 2 === 0);
    const text = serializeProfile(p);
    expect(text.length).toBeLessThan(4096);
    const back = parseProfile(text);
    expect(totals(back).sends).toBeCloseTo(totals(p).sends, 1);
    expect(totals(back).personalSends).toBeCloseTo(totals(p).personalSends, 1);
    expect(totals(p).personalSends).toBeCloseTo(totals(p).sends / 2, 0);
  });

  it("keeps the personal part (hours the optimizer chose from the user's history) apart, decayed alike", () => {
    const p = emptyProfile();
    recordSend(p, 10, 0, true, true);
    recordSend(p, 11, 0, false, true);
    recordSend(p, 20, HALF_LIFE_MS, false);
    expect(p.personalSends[10]).toBeCloseTo(0.5, 6);
    expect(p.personalOpens[10]).toBeCloseTo(0.5, 6);
    expect(p.personalSends[20]).toBe(0);
    recordOpen(p, 11, 0, true);
    expect(p.personalOpens[11]).toBeCloseTo(0.5, 6);
    // A profile stored before personal counts existed reads as having none.
    const legacy = parseProfile(JSON.stringify({ v: 1, t: 5, s: "1,2", o: "1," }));
    expect(legacy.personalSends).toHaveLength(SLOTS);
    expect(totals(legacy).personalSends).toBe(0);
    expect(serializeProfile(legacy)).not.toContain("ps");
  });
});

describe("the model on hand-computable cases", () => {
  it("fits the population curve as pooled opens over sends, shrunk to the mean where data is thin", () => {
    const sends = flatCounts(1000);
    const opens = flatCounts(50);
    const prior = fitPrior(sends, opens, "t");
    // Every slot 5 %: the curve is flat at 5 % (smoothing of a flat curve is flat).
    for (const c of prior.curve) expect(c).toBeCloseTo(0.05, 2);
  });

  it("trains without the sends the optimizer placed from users' own history", () => {
    // Everyone was sent to at random hours with 5 % opens; then each of 100 users who opens at
    // 19:00 Monday got 20 personal sends there. Pooled, 19:00 would look like a great hour.
    const history = () => {
      const p = emptyProfile();
      for (let s = 0; s < SLOTS; s++) recordSend(p, s, 0, s % 20 === 0);
      return p;
    };
    const plain = Array.from({ length: 100 }, history);
    const optimized = Array.from({ length: 100 }, () => {
      const p = history();
      for (let i = 0; i < 20; i++) recordSend(p, 19, 0, i % 2 === 0, true);
      return p;
    });
    const curve = (profiles: EngagementProfile[]) => trainModel(profiles, "t").prior.curve;
    expect(curve(optimized)).toEqual(curve(plain));
    // The timing shapes too: the whole model is the one the plain sends give.
    expect(trainModel(optimized, "t")).toEqual(trainModel(plain, "t"));
    // The same sends not marked personal do move it.
    const { personalSends, personalOpens } = emptyProfile();
    const unmarked = optimized.map((p) => ({ ...p, personalSends, personalOpens }));
    expect(curve(unmarked)[19]!).toBeGreaterThan(curve(plain)[19]! * 2);
  });

  it("a user without data gets the population curve; a user's clear evidence moves their curve", () => {
    const sends = flatCounts(1000);
    const opens = flatCounts(50);
    opens[19] = 150; // Monday 19:00 is a population peak: 15 %.
    const prior = fitPrior(sends, opens, "t");
    const none = posterior(emptyProfile(), prior);
    // By hand: the kernel gives a slot itself 1, hours ±1 0.5, ±2 0.2, the same hour on the other 4
    // weekdays 0.8 each and on the 2 weekend days 0.2 each (6 in all). Slot 19 gathers
    // 150 + 6·50 − 50 = 400 opens over 6,000 sends, slot 10 gathers 300, and each adds 20 sends at the
    // overall rate m: the ratio is (400 + 20m) / (300 + 20m).
    const m = (167 * 50 + 150 + 1) / (168_000 + 20);
    expect(none.mean[19]! / none.mean[10]!).toBeCloseTo((400 + 20 * m) / (300 + 20 * m), 6);
    // A user who opened 8 of 8 sends on Monday 08:00 and none of 8 on Monday 19:00.
    const p = emptyProfile();
    for (let i = 0; i < 8; i++) {
      recordSend(p, 8, i, true);
      recordSend(p, 19, i, false);
    }
    const mine = posterior(p, prior);
    expect(mine.mean[8]!).toBeGreaterThan(mine.mean[19]!);
    expect(mine.userRate).toBeGreaterThan(prior.mean);
  });

  it("a user's weekday counts inform their weekdays but not their weekends; weekend counts inform both", () => {
    const prior = fitPrior(flatCounts(1000), flatCounts(50), "t");
    const slot = (day: number, hour: number) => day * 24 + hour;
    // 12 of 12 opened on Monday 10:00, 0 of 12 on Monday 15:00.
    const weekdays = emptyProfile();
    for (let i = 0; i < 12; i++) {
      recordSend(weekdays, slot(0, 10), i, true);
      recordSend(weekdays, slot(0, 15), i, false);
    }
    const w = posterior(weekdays, prior);
    expect(w.mean[slot(1, 10)]!).toBeGreaterThan(w.mean[slot(1, 15)]! * 1.5);
    // Saturday sees none of it: with a flat prior both hours are equal.
    expect(w.mean[slot(5, 10)]!).toBeCloseTo(w.mean[slot(5, 15)]!, 12);
    // The same counts on Saturday move Sunday strongly and Tuesday a little.
    const weekend = emptyProfile();
    for (let i = 0; i < 12; i++) {
      recordSend(weekend, slot(5, 10), i, true);
      recordSend(weekend, slot(5, 15), i, false);
    }
    const e = posterior(weekend, prior);
    const ratio = (post: typeof e, day: number) => post.mean[slot(day, 10)]! / post.mean[slot(day, 15)]!;
    expect(ratio(e, 6)).toBeGreaterThan(1.5);
    expect(ratio(e, 1)).toBeGreaterThan(1);
    expect(ratio(e, 1)).toBeLessThan(ratio(e, 6));
  });

  it("keeps the population's best hour for a new user unless their own best is clearly better", () => {
    const sends = flatCounts(1000);
    const opens = flatCounts(50);
    opens[10] = 56; // Monday 10:00 is the population's best allowed hour, a little above the rest.
    const prior = fitPrior(sends, opens, "t");
    const candidates = [10, 19].map((slot) => ({ at: slot * 3_600_000, slot }));
    // One open in six sends at 19:00 lifts 19:00 above 10:00, but by less than 1 %.
    const newUser = emptyProfile();
    for (let i = 0; i < 6; i++) recordSend(newUser, 19, i, i === 0);
    const early = posterior(newUser, prior);
    expect(early.mean[19]!).toBeGreaterThan(early.mean[10]!);
    expect(early.mean[19]!).toBeLessThan(1.01 * early.mean[10]!);
    const kept = chooseSendTime(candidates, early, prior, newUser, seededRandom(1));
    expect(kept.slot).toBe(10);
    expect(kept.explanation).toMatch(/^10:00: the tenant's best hour/);
    // A lead as small after 14 sends (2 opens at 19:00) is the user's own answer.
    const known = emptyProfile();
    for (let i = 0; i < 14; i++) recordSend(known, 19, i, i < 2);
    const later = posterior(known, prior);
    expect(later.mean[19]!).toBeGreaterThan(later.mean[10]!);
    expect(later.mean[19]!).toBeLessThan(1.01 * later.mean[10]!);
    expect(chooseSendTime(candidates, later, prior, known, seededRandom(1)).slot).toBe(19);
    // Another type's sends count as evidence too, at the model's weight (0.5 each): 20 of them are
    // as many as 10 of this type, so the same small lead is then the user's own answer.
    const withOtherType = { ...early, evidence: 0, relatedEvidence: 19 };
    expect(chooseSendTime(candidates, withOtherType, prior, emptyProfile(), seededRandom(1)).slot).toBe(10);
    withOtherType.relatedEvidence = 20;
    expect(chooseSendTime(candidates, withOtherType, prior, emptyProfile(), seededRandom(1)).slot).toBe(19);
  });

  it("chooses the best candidate, and is confident only when the evidence separates it", () => {
    const prior = fitPrior(flatCounts(1000), flatCounts(50), "t");
    const candidates = [8, 12, 19].map((slot) => ({ at: slot * 3_600_000, slot }));
    const clear = emptyProfile();
    for (let i = 0; i < 40; i++) {
      recordSend(clear, 19, i, i % 2 === 0);
      recordSend(clear, 8, i, false);
      recordSend(clear, 12, i, false);
    }
    const sure = chooseSendTime(candidates, posterior(clear, prior), prior, clear, seededRandom(3));
    expect(sure.slot).toBe(19);
    expect(sure.source).toBe("model");
    expect(sure.confidence).toBeGreaterThan(0.9);
    expect(sure.explanation).toMatch(/evening sends opened/);
    const unsure = chooseSendTime(
      candidates,
      posterior(emptyProfile(), prior),
      prior,
      emptyProfile(),
      seededRandom(3),
    );
    expect(unsure.source).toBe("global");
    expect(unsure.confidence).toBeLessThan(0.9);
  });

  it("recalibrates by opens over predicted opens, held toward 1 by 30 pseudo-opens, within [0.5, 2]", () => {
    expect(recalibration(undefined)).toBe(1);
    expect(recalibration({ sends: 0, predicted: 0, opened: 0 })).toBe(1);
    // (70 + 30) / (100 + 30)
    expect(recalibration({ sends: 2000, predicted: 100, opened: 70 })).toBeCloseTo(100 / 130, 12);
    // A small tenant's few sends move it little: (0 + 30) / (3 + 30).
    expect(recalibration({ sends: 30, predicted: 3, opened: 0 })).toBeCloseTo(30 / 33, 12);
    expect(recalibration({ sends: 9000, predicted: 1000, opened: 10 })).toBe(0.5);
    expect(recalibration({ sends: 9000, predicted: 100, opened: 900 })).toBe(2);
    const profiles = [emptyProfile()];
    recordSend(profiles[0]!, 19, 0, true);
    expect(trainModel(profiles, "t").prior.calibration).toBeUndefined();
    expect(
      trainModel(profiles, "t", { sends: 2000, predicted: 100, opened: 70 }).prior.calibration,
    ).toBeCloseTo(100 / 130, 12);
  });

  it("a recalibrated prior scales every predicted probability, and chooses and is as sure as before", () => {
    const prior = fitPrior(flatCounts(1000), flatCounts(50), "t");
    const candidates = [8, 12, 19].map((slot) => ({ at: slot * 3_600_000, slot }));
    const profile = emptyProfile();
    for (let i = 0; i < 12; i++) {
      recordSend(profile, 19, i, i % 3 === 0);
      recordSend(profile, 8, i, i % 5 === 0);
    }
    const own = posterior(profile, prior);
    const scaled = posterior(profile, { ...prior, calibration: 0.8 });
    expect(own.calibration).toBe(1);
    expect(scaled.calibration).toBe(0.8);
    for (let s = 0; s < SLOTS; s++) expect(scaled.mean[s]).toBeCloseTo(own.mean[s]! * 0.8, 12);
    const before = chooseSendTime(candidates, own, prior, profile, seededRandom(9));
    const after = chooseSendTime(candidates, scaled, prior, profile, seededRandom(9));
    expect(after.slot).toBe(before.slot);
    expect(after.confidence).toBe(before.confidence);
    expect(after.engagementProbability).toBeCloseTo(before.engagementProbability * 0.8, 12);
    // What the next recalibration compares opens against is the model's own probability.
    expect(after.modelProbability).toBeCloseTo(before.engagementProbability, 12);
    expect(after.alternatives![0]!.modelProbability).toBeCloseTo(before.alternatives![0]!.probability, 12);
  });
});

describe("resolver constraints", () => {
  const zone = "Europe/Berlin";
  const notBefore = Date.parse("2027-06-07T00:00:00Z");
  const notAfter = Date.parse("2027-06-08T00:00:00Z");

  it("candidates never fall in quiet hours, outside business hours, or outside the window", () => {
    const candidates = candidateInstants(notBefore, notAfter, {
      zone,
      quietHours: { start: "22:00", end: "08:00" },
      businessHours: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" },
    });
    expect(candidates.length).toBe(8);
    for (const c of candidates) {
      const hour = c.slot % 24;
      expect(hour).toBeGreaterThanOrEqual(9);
      expect(hour).toBeLessThan(17);
      expect(c.at).toBeGreaterThanOrEqual(notBefore);
      expect(c.at).toBeLessThanOrEqual(notAfter);
    }
  });

  it("even a user who only ever opened at night is sent to outside quiet hours", () => {
    const p = emptyProfile();
    const nightSlot = slotOf(Date.parse("2027-05-31T21:00:00Z"), zone); // Monday 23:00 local
    for (let i = 0; i < 30; i++) recordSend(p, nightSlot, i, true);
    const prior = fitPrior(flatCounts(100), flatCounts(5), "t");
    const decision = resolveSendTime(
      p,
      prior,
      notBefore,
      notAfter,
      { zone, quietHours: { start: "22:00", end: "08:00" } },
      1,
    )!;
    const hour = decision.slot % 24;
    expect(hour >= 8 && hour < 22).toBe(true);
    expect(decision.at).toBeLessThanOrEqual(notAfter);
  });

  it("the frequency cap removes times near the user's other sends; nothing allowed is null", () => {
    const busy = Date.parse("2027-06-07T12:00:00Z");
    const candidates = candidateInstants(notBefore, notAfter, { zone, otherSends: [busy], maxPerDay: 1 });
    expect(candidates.every((c) => Math.abs(c.at - busy) >= 12 * 3_600_000)).toBe(true);
    const none = resolveSendTime(
      emptyProfile(),
      null,
      notBefore,
      notBefore + 3_600_000,
      {
        zone,
        quietHours: { start: "00:00", end: "23:59" },
      },
      1,
    );
    expect(none).toBeNull();
  });

  it("explores: that share of answers is a random allowed time, the same for the same question", () => {
    const p = emptyProfile();
    const eveningSlot = slotOf(Date.parse("2027-05-31T17:00:00Z"), zone); // Monday 19:00 local
    for (let i = 0; i < 30; i++) recordSend(p, eveningSlot, i, true);
    const prior = fitPrior(flatCounts(100), flatCounts(5), "t");
    const ask = (seed: number, explorationShare: number) =>
      resolveSendTime(p, prior, notBefore, notAfter, { zone }, seed, { explorationShare })!;
    expect(ask(1, 0).source).toBe("model");
    const hours = new Set<number>();
    let explored = 0;
    for (let seed = 0; seed < 200; seed++) {
      const d = ask(seed, 0.25);
      expect(ask(seed, 0.25)).toEqual(d);
      if (d.source !== "exploration") continue;
      explored++;
      hours.add(d.slot % 24);
      expect(d.explanation).toContain("would have chosen 19:00");
    }
    // About a quarter, spread over the day rather than at the model's choice.
    expect(explored).toBeGreaterThan(30);
    expect(explored).toBeLessThan(70);
    expect(hours.size).toBeGreaterThan(10);
  });

  it("without any data or model, the fallback is 10:00 local", () => {
    const decision = resolveSendTime(emptyProfile(), null, notBefore, notAfter, { zone }, 1)!;
    expect(decision.source).toBe("fallback");
    expect(decision.slot % 24).toBe(10);
  });
});

describe("experiments", () => {
  it("assign each user to one variant for good, in proportion to the allocation", () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const v = assignVariant("exp_1", `user-${i}`, [50, 30, 20]);
      expect(assignVariant("exp_1", `user-${i}`, [50, 30, 20])).toBe(v);
      counts[v]!++;
    }
    expect(counts[0]! / 10_000).toBeCloseTo(0.5, 1);
    expect(counts[1]! / 10_000).toBeCloseTo(0.3, 1);
    expect(counts[2]! / 10_000).toBeCloseTo(0.2, 1);
  });

  it("report intervals, lift and p-values as the textbook formulas give them", () => {
    // Values from Python's statistics.NormalDist, computed independently.
    const [low, high] = wilsonInterval(5, 10);
    expect(low).toBeCloseTo(0.236593, 5);
    expect(high).toBeCloseTo(0.763407, 5);
    const { lift, pValue } = compareToControl(60, 100, 50, 100);
    expect(lift).toBeCloseTo(0.2, 10);
    expect(pValue!).toBeCloseTo(0.155218, 4);
    expect(Math.abs(sampleSizePerVariant(0.1, 0.1) - 14_751)).toBeLessThanOrEqual(2);
  });
});

describe("variant assignment for ids that differ only at the end", () => {
  it("still splits close to the allocation (a weak hash would not)", () => {
    for (const experiment of ["exp_a", "exp_b", "exp_c", "exp_d"]) {
      let first = 0;
      for (let i = 0; i < 200; i++) if (assignVariant(experiment, `x${i}`, [50, 50]) === 0) first++;
      expect(first).toBeGreaterThan(70);
      expect(first).toBeLessThan(130);
    }
  });
});

describe("fallback without data", () => {
  /** The answer, as an ISO instant, with neither a prior nor user data, for a window from `notBefore`. */
  const fallbackAt = (notBefore: number, windowMs: number, zone: string) =>
    new Date(
      resolveSendTime(emptyProfile(), null, notBefore, notBefore + windowMs, { zone }, 1)!.at,
    ).toISOString();

  it("is the next 10:00 in the window even when the window starts later in the day", () => {
    const notBefore = Date.parse("2027-06-07T17:35:00Z"); // 19:35 in Berlin
    expect(fallbackAt(notBefore, 86_400_000, "Europe/Berlin")).toBe("2027-06-08T08:00:00.000Z");
  });

  it("is tomorrow's 10:00 sharp, not the window's start, when the window starts within the 10:00 hour", () => {
    const notBefore = Date.parse("2027-06-07T08:37:00Z"); // 10:37 in Berlin
    expect(fallbackAt(notBefore, 86_400_000, "Europe/Berlin")).toBe("2027-06-08T08:00:00.000Z");
    // A window without 10:00 sharp still prefers the 10 o'clock hour.
    expect(fallbackAt(notBefore, 3 * 3_600_000, "Europe/Berlin")).toBe("2027-06-07T08:37:00.000Z");
    // Where the hours fall on :30 (UTC+05:30), tomorrow's 10:30 rather than 10:37 now.
    const kolkata = Date.parse("2027-06-07T05:07:00Z"); // 10:37 in Kolkata
    expect(fallbackAt(kolkata, 86_400_000, "Asia/Kolkata")).toBe("2027-06-08T05:00:00.000Z");
  });
});
