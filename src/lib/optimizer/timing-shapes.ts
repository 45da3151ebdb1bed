import { type FactorLayout, fitFactorWeights } from "./factor-em";
import { type EngagementProfile, emptyProfile, SLOTS, totals } from "./profile";
import { hash32 } from "./random";

/**
 * The middle level of user ← timing shape ← global: a fixed dictionary of plausible timing
 * shapes (no preference, or a daily peak at some hour, narrow or broad, mild to sharp, with the
 * weekend peak at the same time or later), whose population weights are learnt from the tenant's
 * profiles. The shapes are fixed and only their weights are learnt, which EM does reliably even
 * when each user has only a few opens; free-form segments learnt from such sparse data collapsed
 * toward the average curve. A user's posterior over the dictionary then turns two
 * or three opens at 19:00 into "an evening person", and a user with two peaks becomes a mixture.
 */
export interface TimingShape {
  /** Local hour of the weekday peak; NaN for the flat shape. */
  center: number;
  /** Standard deviation of the peak, in hours. */
  width: number;
  /** Log-rate lift at the peak. */
  amplitude: number;
  /** Hours the weekend peak is later than the weekday one. */
  weekendOffset: number;
}

/**
 * Log-lifts of a peak, √2 apart from 0.4 up (a peak ×1.2 to ×5). Steps of ×2 in log-lift left
 * a population whose peaks lift ×1.8 or ×3.3 between two shapes; the finer grid gained 0 to 0.9
 * points of gap closed in the held-out rows and lost at most 0.1 (README).
 */
const AMPLITUDES = [0.2, 0.4, 0.57, 0.8, 1.13, 1.6];

export const TIMING_SHAPES: TimingShape[] = [
  { center: Number.NaN, width: 0, amplitude: 0, weekendOffset: 0 },
];
for (let center = 0; center < 24; center++)
  for (const width of [1.5, 3])
    for (const amplitude of AMPLITUDES)
      for (const weekendOffset of [0, 1, 2]) TIMING_SHAPES.push({ center, width, amplitude, weekendOffset });

let rawCurves: Float64Array[] | undefined;

/**
 * Relative rate per slot (not normalised) of each shape. Built on first use, not at module load:
 * every isolate imports this module, and most requests never optimize a send time.
 */
function shapeCurves(): Float64Array[] {
  rawCurves ??= TIMING_SHAPES.map((shape) => {
    const curve = new Float64Array(SLOTS);
    for (let s = 0; s < SLOTS; s++) {
      if (Number.isNaN(shape.center)) {
        curve[s] = 1;
        continue;
      }
      const weekend = Math.floor(s / 24) >= 5;
      const d = (s % 24) - shape.center - (weekend ? shape.weekendOffset : 0);
      const wrapped = ((((d + 12) % 24) + 24) % 24) - 12;
      curve[s] = Math.exp(shape.amplitude * Math.exp(-(wrapped * wrapped) / (2 * shape.width * shape.width)));
    }
    return curve;
  });
  return rawCurves;
}

/**
 * Pseudo-sends at the population's rate that hold a user's level in place while data is thin.
 * Few, so that each shape fits the user's own level (base rates vary tenfold between users) and
 * the shapes compete on where the opens fell: 5 rather than 30 gained strong-preference push users
 * 0.6–2.8 points of gap closed (three paired checks) and cost no other row more than the spread
 * between seeds (README).
 */
const LEVEL_STRENGTH = 5;
const FLOOR = 1e-4;
const CEILING = 0.95;

export interface TimingModel {
  /** The dictionary the weights are over (see dictionaryId). */
  dictionary: string;
  /** Population weight of each shape in TIMING_SHAPES (sums to 1). */
  weights: number[];
  /** Share of the population's sends per slot: shapes are scaled to mean 1 over it. */
  sendShare: number[];
  /** The population's open rate per send. */
  rate: number;
}

let dictionary: string | undefined;

/** A fingerprint of TIMING_SHAPES: weights learnt over another dictionary mean nothing over this one. */
export function dictionaryId(): string {
  dictionary ??= `${TIMING_SHAPES.length}:${hash32(JSON.stringify(TIMING_SHAPES)).toString(36)}`;
  return dictionary;
}

/**
 * The timing model if it was learnt over this dictionary. A model stored before the dictionary
 * changed is not used: until the next training, the population curve alone decides.
 */
export function currentTimingModel(model: TimingModel | undefined): TimingModel | undefined {
  return model?.dictionary === dictionaryId() ? model : undefined;
}

/** Each shape's curve scaled so that a send placed like the population's averages 1. */
function normalisedCurves(sendShare: number[]): Float64Array[] {
  return shapeCurves().map((curve) => {
    let mean = 0;
    for (let s = 0; s < SLOTS; s++) mean += sendShare[s]! * curve[s]!;
    return curve.map((c) => c / (mean || 1));
  });
}

const cache = new WeakMap<number[], Float64Array[]>();
function curvesFor(model: TimingModel): Float64Array[] {
  let curves = cache.get(model.sendShare);
  if (!curves) {
    curves = normalisedCurves(model.sendShare);
    cache.set(model.sendShare, curves);
  }
  return curves;
}

/**
 * For each shape: the user's level under that shape (opens over the sends it expects, held toward
 * the population rate) and the log-likelihood of the user's sends and opens.
 */
function fitShapes(profile: EngagementProfile, curves: Float64Array[], populationRate: number) {
  const sent: number[] = [];
  let opens = 0;
  for (let s = 0; s < SLOTS; s++) {
    if (profile.sends[s]! > 1e-6) sent.push(s);
    opens += profile.opens[s]!;
  }
  const levels = new Float64Array(curves.length);
  const logLikelihoods = new Float64Array(curves.length);
  curves.forEach((curve, h) => {
    let expected = 0;
    for (const s of sent) expected += profile.sends[s]! * curve[s]!;
    const level = (opens + LEVEL_STRENGTH * populationRate) / (expected + LEVEL_STRENGTH);
    let ll = 0;
    for (const s of sent) {
      const q = Math.min(CEILING, Math.max(FLOOR, level * curve[s]!));
      const k = profile.opens[s]!;
      ll += k * Math.log(q) + (profile.sends[s]! - k) * Math.log(1 - q);
    }
    levels[h] = level;
    logLikelihoods[h] = ll;
  });
  return { levels, logLikelihoods };
}

function normaliseLog(logs: Float64Array, weights: number[]): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  const out = new Float64Array(logs.length);
  for (let h = 0; h < logs.length; h++) {
    out[h] = weights[h]! > 0 ? Math.log(weights[h]!) + logs[h]! : Number.NEGATIVE_INFINITY;
    if (out[h]! > max) max = out[h]!;
  }
  let sum = 0;
  for (let h = 0; h < out.length; h++) {
    out[h] = Math.exp(out[h]! - max);
    sum += out[h]!;
  }
  for (let h = 0; h < out.length; h++) out[h]! /= sum;
  return out;
}

/**
 * How much a send of another notification type says about this type's timing, relative to one of
 * this type: people keep their hours across channels, but not exactly (email may be read an hour
 * later than push), so the other types' evidence counts for less.
 */
export const RELATED_WEIGHT = 0.5;

/**
 * The user's expected open rate per slot under their posterior over the shapes. `related` are the
 * user's profiles of other notification types: each has its own level, and their likelihoods join
 * this type's, discounted.
 */
function timingRates(
  profile: EngagementProfile,
  model: TimingModel,
  related: EngagementProfile[] = [],
): number[] {
  const curves = curvesFor(model);
  const { levels, logLikelihoods } = fitShapes(profile, curves, model.rate);
  for (const other of related) {
    const { sends, opens } = totals(other);
    if (sends < 1e-6) continue;
    const otherLikelihoods = fitShapes(other, curves, opens / sends).logLikelihoods;
    for (let h = 0; h < curves.length; h++) logLikelihoods[h]! += RELATED_WEIGHT * otherLikelihoods[h]!;
  }
  const post = normaliseLog(logLikelihoods, model.weights);
  const rates = new Array<number>(SLOTS).fill(0);
  post.forEach((w, h) => {
    if (w < 1e-9) return;
    const curve = curves[h]!;
    for (let s = 0; s < SLOTS; s++) rates[s]! += w * Math.min(CEILING, levels[h]! * curve[s]!);
  });
  return rates;
}

const populationRates = new WeakMap<TimingModel, number[]>();

/**
 * How the user's timing differs from the population's, per slot (mean 1 over where the population
 * sends): the posterior's rates over those of a user with no history. A user with no history gets
 * exactly 1 everywhere, so the population curve, with its weekday detail, still decides for them.
 */
export function timingTilt(
  profile: EngagementProfile,
  model: TimingModel,
  related: EngagementProfile[] = [],
): number[] {
  let base = populationRates.get(model);
  if (!base) {
    base = timingRates(emptyProfile(), model);
    populationRates.set(model, base);
  }
  const rates = timingRates(profile, model, related);
  const tilt = rates.map((r, s) => r / base[s]!);
  let mean = 0;
  for (let s = 0; s < SLOTS; s++) mean += model.sendShare[s]! * tilt[s]!;
  return tilt.map((t) => t / (mean || 1));
}

let layout: FactorLayout | undefined;

/** Each shape's weight as a product of factors: its lift, and for a peak its hour, width and weekend offset. */
function factorLayout(): FactorLayout {
  if (layout) return layout;
  const groups: number[][] = [[], [], [], []];
  const index = new Map<string, number>();
  let next = 0;
  const parameter = (factor: number, value: number) => {
    const key = `${factor}:${value}`;
    let i = index.get(key);
    if (i === undefined) {
      i = next++;
      index.set(key, i);
      groups[factor]!.push(i);
    }
    return i;
  };
  const indices = TIMING_SHAPES.map((shape) =>
    Number.isNaN(shape.center)
      ? [parameter(0, shape.amplitude)]
      : [
          parameter(0, shape.amplitude),
          parameter(1, shape.center),
          parameter(2, shape.width),
          parameter(3, shape.weekendOffset),
        ],
  );
  layout = { indices, groups };
  return layout;
}

/**
 * Population weights of the shapes by maximum likelihood over the profiles (at most `maxProfiles`,
 * evenly picked), with EM run to convergence or to its bound of EM maps (factor-em.ts).
 */
export function fitTimingModel(profiles: EngagementProfile[], maxProfiles = 4000): TimingModel | undefined {
  if (profiles.length < 50) return undefined;
  const sendShare = new Array<number>(SLOTS).fill(0);
  let sends = 0;
  let opens = 0;
  for (const p of profiles)
    for (let s = 0; s < SLOTS; s++) {
      sendShare[s]! += p.sends[s]!;
      sends += p.sends[s]!;
      opens += p.opens[s]!;
    }
  if (sends <= 0) return undefined;
  for (let s = 0; s < SLOTS; s++) sendShare[s]! /= sends;
  const rate = opens / sends;
  const stride = Math.max(1, profiles.length / maxProfiles);
  const picked: EngagementProfile[] = [];
  for (let i = 0; i < profiles.length; i += stride) picked.push(profiles[Math.floor(i)]!);
  const curves = normalisedCurves(sendShare);
  // Each user's likelihood of each shape, scaled by the user's best: EM only needs ratios.
  const likelihoods = picked.map((p) => {
    const ll = fitShapes(p, curves, rate).logLikelihoods;
    let max = Number.NEGATIVE_INFINITY;
    for (const x of ll) if (x > max) max = x;
    return ll.map((x) => Math.exp(x - max));
  });
  // The weights are a product of independent choices (how sharp, which hour, how broad, how much
  // later at weekends): 7 + 24 + 2 + 3 numbers instead of 865. With a few opens per user, free
  // weights chase chance coincidences; the product learns what is shared (above all how sharp
  // people's timing is, which is what "do no harm" depends on).
  const { weights } = fitFactorWeights(factorLayout(), likelihoods);
  return { dictionary: dictionaryId(), weights: Array.from(weights), sendShare, rate };
}

/** Share of the population with no timing preference, a mild one (peak ≤ ×1.5) and a clear one. */
export function timingPreferenceShares(model: TimingModel): { none: number; mild: number; clear: number } {
  const shares = { none: 0, mild: 0, clear: 0 };
  model.weights.forEach((w, h) => {
    const { amplitude } = TIMING_SHAPES[h]!;
    shares[amplitude === 0 ? "none" : amplitude <= 0.4 ? "mild" : "clear"] += w;
  });
  return shares;
}
