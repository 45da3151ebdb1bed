import { hash32 } from "./random";

/** The variant a user is in: a stable hash of (experiment, user) against the cumulative allocation. */
export function assignVariant(experimentId: string, userId: string, allocation: number[]): number {
  const total = allocation.reduce((a, b) => a + b, 0);
  const point = (hash32(`${experimentId}:${userId}`) / 4294967296) * total;
  let cumulative = 0;
  for (let i = 0; i < allocation.length; i++) {
    cumulative += allocation[i]!;
    if (point < cumulative) return i;
  }
  return allocation.length - 1;
}

/** Wilson score interval for k successes in n trials (95 % by default). */
export function wilsonInterval(k: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const erf =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Relative lift of a variant over control and the two-sided p-value of a two-proportion z-test. */
export function compareToControl(
  k: number,
  n: number,
  k0: number,
  n0: number,
): { lift: number | null; pValue: number | null } {
  if (n === 0 || n0 === 0) return { lift: null, pValue: null };
  const p = k / n;
  const p0 = k0 / n0;
  const pooled = (k + k0) / (n + n0);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n0));
  const lift = p0 > 0 ? p / p0 - 1 : null;
  if (se === 0) return { lift, pValue: 1 };
  return { lift, pValue: 2 * (1 - normalCdf(Math.abs(p - p0) / se)) };
}

/** Sends per variant to detect a relative lift over base rate p0 (two-sided α, power). */
export function sampleSizePerVariant(p0: number, lift: number, alpha = 0.05, power = 0.8): number {
  const p1 = p0 * (1 + lift);
  const zAlpha = inverseNormal(1 - alpha / 2);
  const zBeta = inverseNormal(power);
  const pBar = (p0 + p1) / 2;
  const numerator =
    zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p0 * (1 - p0) + p1 * (1 - p1));
  return Math.ceil((numerator * numerator) / ((p1 - p0) * (p1 - p0)));
}

/** Inverse standard normal CDF by bisection on normalCdf (plenty for a sample-size helper). */
function inverseNormal(q: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
