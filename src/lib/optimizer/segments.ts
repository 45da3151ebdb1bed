import { smooth } from "./model";
import { type EngagementProfile, SLOTS } from "./profile";

/**
 * Segments: a few typical timing shapes (morning, lunch, evening people…) learnt from many users'
 * profiles by EM over a mixture of Bernoulli curves. A user's membership is a posterior over the
 * segments given their own sends, so two or three opens in the evening already lift every evening
 * slot: the middle level of user ← segment ← global.
 */
export interface Segment {
  weight: number;
  /** Relative open rate per slot (mean 1): the rate of a user with overall rate r is r × shape. */
  shape: number[];
}

const FLOOR = 1e-4;
const CEILING = 0.95;

function overallRate(p: EngagementProfile, fallback: number): number {
  let sends = 0;
  let opens = 0;
  for (let s = 0; s < SLOTS; s++) {
    sends += p.sends[s]!;
    opens += p.opens[s]!;
  }
  return (opens + 10 * fallback) / (sends + 10);
}

function logLikelihood(p: EngagementProfile, rate: number, shape: number[]): number {
  let ll = 0;
  for (let s = 0; s < SLOTS; s++) {
    const n = p.sends[s]!;
    if (n < 1e-6) continue;
    const q = Math.min(CEILING, Math.max(FLOOR, rate * shape[s]!));
    const k = p.opens[s]!;
    ll += k * Math.log(q) + (n - k) * Math.log(1 - q);
  }
  return ll;
}

/** Posterior membership of one user in each segment. */
export function membership(p: EngagementProfile, segments: Segment[], populationRate: number): number[] {
  const rate = overallRate(p, populationRate);
  const logs = segments.map((seg) => Math.log(seg.weight) + logLikelihood(p, rate, seg.shape));
  const max = Math.max(...logs);
  const w = logs.map((l) => Math.exp(l - max));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / sum);
}

function normalised(values: number[]): number[] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.map((v) => v / (mean || 1));
}

/** EM over profiles, `k` segments, deterministic (seeded by the profiles' own daypart peaks). */
export function fitSegments(
  profiles: EngagementProfile[],
  k: number,
  populationRate: number,
  iterations = 20,
): Segment[] {
  if (profiles.length < k * 20) return [];
  // Start: each segment is a bump at a different part of the waking day.
  let segments: Segment[] = Array.from({ length: k }, (_, i) => {
    const peak = 7 + Math.round(((i + 0.5) * 16) / k);
    const shape = Array.from({ length: SLOTS }, (_, s) => {
      const d = Math.min(Math.abs((s % 24) - peak), 24 - Math.abs((s % 24) - peak));
      return 1 + 0.5 * Math.exp(-(d * d) / 8);
    });
    return { weight: 1 / k, shape: normalised(shape) };
  });
  const rates = profiles.map((p) => overallRate(p, populationRate));
  for (let it = 0; it < iterations; it++) {
    const resp = profiles.map((p) => membership(p, segments, populationRate));
    segments = segments.map((_, j) => {
      const opens = new Array<number>(SLOTS).fill(0);
      const expected = new Array<number>(SLOTS).fill(0);
      let weight = 0;
      profiles.forEach((p, u) => {
        const w = resp[u]![j]!;
        weight += w;
        for (let s = 0; s < SLOTS; s++) {
          opens[s]! += w * p.opens[s]!;
          expected[s]! += w * rates[u]! * p.sends[s]!;
        }
      });
      const so = smooth(opens);
      const se = smooth(expected);
      // Ratio of observed to expected opens, with 5 expected opens' worth of "no difference".
      const shape = so.map((o, s) => (o + 5) / (se[s]! + 5));
      return { weight: Math.max(1e-3, weight / profiles.length), shape: normalised(shape) };
    });
  }
  return segments;
}
