import { type EngagementProfile, SLOTS, totals } from "./profile";
import { currentTimingModel, type TimingModel, timingTilt } from "./timing-shapes";

/**
 * Hierarchical Beta–Binomial over the 168 hours of the week. A user's slot rate has a Beta prior
 * centred on the population curve rescaled to the user's own overall rate, with a strength that
 * the user's own data sets: a user whose slots differ no more than binomial noise predicts keeps a
 * strong prior (falls back toward the population curve: do no harm), a user with a clear timing
 * preference a weak one. Counts borrow from neighbouring hours and from the same hour on other
 * days (weekdays with weekdays, weekends with weekends, a little across, except that a user's
 * weekend slots take nothing from their weekdays).
 */
export interface Prior {
  /** Population open rate per slot (smoothed). */
  curve: number[];
  /** Mean of the curve, the population's overall rate. */
  mean: number;
  /** Pseudo-sends pulling a user's overall rate toward the population's. */
  baseStrength: number;
  /** Population weights over the dictionary of timing shapes; absent until trained. */
  timing?: TimingModel;
  /**
   * Opens over the model's own predictions on the tenant's recent optimized sends (see
   * `recalibration` in train.ts): every predicted probability is scaled by it. Absent: 1.
   */
  calibration?: number;
  source: "global" | "segment";
  version: string;
}

/** A stored prior, without a timing model learnt over another dictionary of shapes. */
export function parsePrior(text: string): Prior {
  const prior = JSON.parse(text) as Prior;
  if (!currentTimingModel(prior.timing)) delete prior.timing;
  return prior;
}

interface KernelEntry {
  slot: number;
  weight: number;
}

const isWeekend = (slot: number) => Math.floor(slot / 24) >= 5;

/**
 * For each slot, the slots it borrows from and how much (itself 1). `weekendFromWeekdays` is what
 * a weekend slot takes from each weekday's same hour.
 */
function buildKernel(weekendFromWeekdays: number): KernelEntry[][] {
  return Array.from({ length: SLOTS }, (_, s) => {
    const entries: KernelEntry[] = [{ slot: s, weight: 1 }];
    for (const [offset, weight] of [
      [1, 0.5],
      [2, 0.2],
    ] as const) {
      entries.push({ slot: (s + offset) % SLOTS, weight }, { slot: (s - offset + SLOTS) % SLOTS, weight });
    }
    const hour = s % 24;
    for (let day = 0; day < 7; day++) {
      const other = day * 24 + hour;
      if (other === s) continue;
      const weight = isWeekend(other) === isWeekend(s) ? 0.8 : isWeekend(s) ? weekendFromWeekdays : 0.2;
      if (weight > 0) entries.push({ slot: other, weight });
    }
    return entries;
  });
}

/** The population curve pools many users: weekend slots borrow a little from weekdays too. */
const POPULATION_KERNEL = buildKernel(0.2);
/**
 * A user's own counts: weekend slots borrow nothing from weekdays. A user's many sends at their
 * weekday peak would otherwise pull weekend sends to the weekday hour when their weekends run
 * later; the timing shapes already carry weekday evidence to weekends with a fitted offset.
 */
const USER_KERNEL = buildKernel(0);

export function smooth(values: number[], kernel: KernelEntry[][] = POPULATION_KERNEL): number[] {
  return kernel.map((entries) => entries.reduce((sum, e) => sum + e.weight * values[e.slot]!, 0));
}

/** The population prior from pooled counts per slot (a flat curve where there is no data). */
export function fitPrior(
  sends: number[],
  opens: number[],
  version: string,
  source: Prior["source"] = "global",
): Prior {
  const totalSends = sends.reduce((a, b) => a + b, 0);
  const totalOpens = opens.reduce((a, b) => a + b, 0);
  const mean = totalSends > 0 ? (totalOpens + 1) / (totalSends + 20) : 0.05;
  const smoothedSends = smooth(sends);
  const smoothedOpens = smooth(opens);
  // 20 pseudo-sends at the overall rate keep sparse slots near the mean.
  const curve = smoothedSends.map((n, s) => (smoothedOpens[s]! + 20 * mean) / (n + 20));
  const curveMean = curve.reduce((a, b) => a + b, 0) / SLOTS;
  return { curve, mean: curveMean, baseStrength: 30, source, version };
}

export interface Posterior {
  /** Beta parameters per slot (the model's own, before recalibration). */
  alpha: number[];
  beta: number[];
  /** Predicted open probability per slot: the Beta mean, recalibrated by live outcomes. */
  mean: number[];
  /** The factor `mean` was scaled by (the prior's calibration): mean / calibration is the model's own. */
  calibration: number;
  /** The user's overall open rate (shrunk toward the population). */
  userRate: number;
  /** The prior strength the user's data earned (pseudo-sends per slot). */
  strength: number;
  /** Decayed sends behind it (0 for a user never sent to). */
  evidence: number;
  /** Decayed sends of the user's other notification types that informed the timing. */
  relatedEvidence: number;
}

const MIN_STRENGTH = 20;
const MAX_STRENGTH = 400;
const TYPICAL_SCATTER = 0.25;
const PRIOR_SCATTER_WEIGHT = 60;

/**
 * `related`: the user's profiles of other notification types. They inform only the user's timing
 * (through the timing shapes), never this type's level or slot counts.
 */
export function posterior(
  profile: EngagementProfile,
  prior: Prior,
  related: EngagementProfile[] = [],
): Posterior {
  const n = smooth(profile.sends, USER_KERNEL);
  const k = smooth(profile.opens, USER_KERNEL);
  let sends = 0;
  let opens = 0;
  for (let s = 0; s < SLOTS; s++) {
    sends += profile.sends[s]!;
    opens += profile.opens[s]!;
  }
  // The prior shape: the population curve, tilted by how the user's timing differs from the
  // population's (their posterior over the timing shapes) once the timing shapes are trained.
  let shape = prior.curve.map((c) => c / prior.mean);
  if (prior.timing) {
    const tilt = timingTilt(profile, prior.timing, related);
    shape = shape.map((c, s) => c * tilt[s]!);
  }
  // The user's level is opens over the opens the shape expects where the sends went: sends placed
  // at the user's good hours (as the optimizer places them) must not read as a higher level.
  let expected = 0;
  for (let s = 0; s < SLOTS; s++) expected += profile.sends[s]! * shape[s]!;
  const userRate = (opens + prior.baseStrength * prior.mean) / (expected + prior.baseStrength);
  const mu = shape.map((c) => Math.min(0.95, Math.max(1e-4, userRate * c)));
  // Empirical Bayes per user: how much do the user's slot rates scatter around the prior beyond
  // what binomial noise explains? Little scatter → strong prior; much → the user's own data leads.
  let excess = 0;
  let weight = 0;
  for (let s = 0; s < SLOTS; s++) {
    const raw = profile.sends[s]!;
    if (raw < 0.5) continue;
    const rate = profile.opens[s]! / raw;
    const noise = (mu[s]! * (1 - mu[s]!)) / raw;
    excess += raw * ((rate - mu[s]!) ** 2 - noise);
    weight += raw;
  }
  // A few sends say little about scatter: the estimate starts from a typical spread (a quarter
  // of the user's rate) worth PRIOR_SCATTER_WEIGHT sends, and the user's data moves it from there.
  const m = userRate;
  const typical = (TYPICAL_SCATTER * m) ** 2;
  const tau2 = (excess + PRIOR_SCATTER_WEIGHT * typical) / (weight + PRIOR_SCATTER_WEIGHT);
  const strength =
    tau2 > 0 ? Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, (m * (1 - m)) / tau2 - 1)) : MAX_STRENGTH;
  const alpha = new Array<number>(SLOTS);
  const beta = new Array<number>(SLOTS);
  const mean = new Array<number>(SLOTS);
  // One factor for every slot: the choice among slots (and the confidence, which compares draws
  // within 5 % of each other) stays the model's own; only the level it reports is corrected.
  const calibration = prior.calibration ?? 1;
  for (let s = 0; s < SLOTS; s++) {
    alpha[s] = k[s]! + strength * mu[s]!;
    beta[s] = Math.max(0, n[s]! - k[s]!) + strength * (1 - mu[s]!);
    mean[s] = Math.min(0.95, (calibration * alpha[s]!) / (alpha[s]! + beta[s]!));
  }
  const relatedEvidence = prior.timing ? related.reduce((sum, p) => sum + totals(p).sends, 0) : 0;
  return { alpha, beta, mean, calibration, userRate, strength, evidence: sends, relatedEvidence };
}
