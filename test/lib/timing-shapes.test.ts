import { describe, expect, it } from "vitest";
import { fitPrior, parsePrior, posterior } from "../../src/lib/optimizer/model";
import { type EngagementProfile, emptyProfile, recordSend, SLOTS } from "../../src/lib/optimizer/profile";
import { seededRandom } from "../../src/lib/optimizer/random";
import {
  fitTimingModel,
  TIMING_SHAPES,
  timingPreferenceShares,
  timingTilt,
} from "../../src/lib/optimizer/timing-shapes";
import { trainModel } from "../../src/lib/optimizer/train";

const DAY = 86_400_000;

/**
 * 400 users, 30 sends each at random weekday hours 08..21. A "sharp" user opens 60 % of sends
 * within an hour of their own peak (one of 08, 12, 19) and 5 % elsewhere; a "flat" user opens 15 %
 * of all sends wherever they land.
 */
function population(kind: "sharp" | "flat", seed: number): EngagementProfile[] {
  const random = seededRandom(seed);
  return Array.from({ length: 400 }, () => {
    const peak = [8, 12, 19][Math.floor(random() * 3)]!;
    const profile = emptyProfile();
    for (let d = 0; d < 30; d++) {
      const hour = 8 + Math.floor(random() * 14);
      const rate = kind === "flat" ? 0.15 : Math.abs(hour - peak) <= 1 ? 0.6 : 0.05;
      recordSend(profile, (d % 5) * 24 + hour, d * DAY, random() < rate);
    }
    return profile;
  });
}

const sharpShare = (weights: number[]) =>
  weights.reduce((sum, w, h) => sum + (TIMING_SHAPES[h]!.amplitude >= 0.8 ? w : 0), 0);

describe("timing shapes", () => {
  it("a user with no history is not tilted at all; a few evening opens tilt toward the evening", () => {
    const model = fitTimingModel(population("sharp", 1))!;
    for (const t of timingTilt(emptyProfile(), model)) expect(t).toBeCloseTo(1, 9);
    const evening = emptyProfile();
    for (let d = 0; d < 14; d++) {
      const hour = 8 + d; // one send at each hour 08..21, opened only at 19 and 20
      recordSend(evening, 24 + hour, d * DAY, hour === 19 || hour === 20);
    }
    const tilt = timingTilt(evening, model);
    expect(tilt[24 + 19]!).toBeGreaterThan(1.2);
    expect(tilt[24 + 19]!).toBeGreaterThan(2 * tilt[24 + 9]!);
    // The same hour on another weekday follows: a timing shape is a daily habit.
    expect(tilt[3 * 24 + 19]!).toBeGreaterThan(1.2);
  });

  it("another notification type's history tilts the timing too, less than the same history of this type", () => {
    const model = fitTimingModel(population("sharp", 1))!;
    const evening = emptyProfile();
    for (let d = 0; d < 7; d++) {
      recordSend(evening, 24 + 20, d * DAY, true);
      recordSend(evening, 24 + 9, d * DAY, false);
    }
    const own = timingTilt(evening, model);
    const related = timingTilt(emptyProfile(), model, [evening]);
    expect(related[24 + 20]!).toBeGreaterThan(1.2);
    expect(related[24 + 20]!).toBeLessThan(own[24 + 20]!);
    expect(related[24 + 9]!).toBeLessThan(1);
    // A related profile without sends says nothing.
    for (const t of timingTilt(emptyProfile(), model, [emptyProfile()])) expect(t).toBeCloseTo(1, 9);
  });

  it("learns from the population how sharp users' timing is", () => {
    const sharp = fitTimingModel(population("sharp", 2))!;
    const flat = fitTimingModel(population("flat", 2))!;
    expect(sharp.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(sharpShare(sharp.weights)).toBeGreaterThan(0.6);
    expect(sharpShare(flat.weights)).toBeLessThan(sharpShare(sharp.weights) / 2);
  });

  it("learns how much later the population's weekends are", () => {
    // Sharp users (as above) sent to every day of the week, whose weekend peak is 2 h later.
    const random = seededRandom(5);
    const profiles = Array.from({ length: 400 }, () => {
      const peak = [8, 12, 19][Math.floor(random() * 3)]!;
      const profile = emptyProfile();
      for (let d = 0; d < 42; d++) {
        const day = d % 7;
        const hour = 8 + Math.floor(random() * 14);
        const own = day >= 5 ? peak + 2 : peak;
        recordSend(profile, day * 24 + hour, d * DAY, random() < (Math.abs(hour - own) <= 1 ? 0.6 : 0.05));
      }
      return profile;
    });
    const model = fitTimingModel(profiles)!;
    const later = (offset: number) =>
      model.weights.reduce((sum, w, h) => sum + (TIMING_SHAPES[h]!.weekendOffset === offset ? w : 0), 0);
    expect(later(2)).toBeGreaterThan(0.8);
  });

  it("training adds the timing shapes once there are enough profiles, and says how many have a preference", () => {
    const sharp = trainModel(population("sharp", 3), "t").prior.timing!;
    const flat = trainModel(population("flat", 3), "t").prior.timing!;
    expect(timingPreferenceShares(sharp).clear).toBeGreaterThan(0.9);
    // Users without a preference: at most a mild one (a peak of ×1.5 or less) for nearly all.
    expect(timingPreferenceShares(flat).clear).toBeLessThan(0.1);
    expect(timingPreferenceShares(flat).none + timingPreferenceShares(flat).mild).toBeGreaterThan(0.9);
    // Too few profiles to learn shapes from: no timing model, the population curve alone.
    expect(trainModel(population("sharp", 3).slice(0, 20), "t").prior.timing).toBeUndefined();
  });

  it("a stored timing model learnt over another dictionary of shapes is not used", () => {
    const { prior } = trainModel(population("sharp", 4), "t");
    expect(parsePrior(JSON.stringify(prior)).timing?.weights).toHaveLength(TIMING_SHAPES.length);
    // As stored before models carried their dictionary: no fingerprint, and fewer weights.
    const { dictionary: _, ...older } = prior.timing!;
    const stale = parsePrior(
      JSON.stringify({ ...prior, timing: { ...older, weights: older.weights.slice(0, 400) } }),
    );
    expect(stale.timing).toBeUndefined();
    expect(stale.curve).toEqual(prior.curve);
    const otherDictionary = { ...prior.timing!, dictionary: "400:0" };
    expect(parsePrior(JSON.stringify({ ...prior, timing: otherDictionary })).timing).toBeUndefined();
  });

  it("a user's level is opens over what the shape expects where the sends went", () => {
    // Population: 10 % everywhere except Monday 19:00, 30 %. A user sent only at 19:00 who opens
    // there as often as the population curve predicts for 19:00 is an average user, not a better one.
    const sends = new Array(SLOTS).fill(1000);
    const opens = new Array(SLOTS).fill(100);
    opens[19] = 300;
    const prior = fitPrior(sends, opens, "t");
    expect(prior.curve[19]! / prior.mean).toBeGreaterThan(1.2);
    const user = emptyProfile();
    const opened = Math.round(100 * prior.curve[19]!);
    for (let i = 0; i < 100; i++) recordSend(user, 19, i, i < opened);
    const post = posterior(user, prior);
    expect(post.userRate / prior.mean).toBeGreaterThan(0.9);
    expect(post.userRate / prior.mean).toBeLessThan(1.15);
  });
});
