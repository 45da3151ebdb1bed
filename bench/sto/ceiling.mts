// A reference ceiling for the send-time simulator, not a product policy: a Bayesian learner that
// KNOWS the simulator's generative family (which bumps exist and how often, the spread of personal
// shifts and of base rates) and keeps an exact posterior over a grid of possible users. No model
// that has to learn the family from data can be expected to beat it by much, so its gap closed is
// what "achievable" means for a scenario. It ignores drift, fatigue and moves (it is used on the
// stationary scenarios).

export interface Hypothesis {
  bumps: number[];
  shift: number;
  baseLogit: number;
  prior: number;
}

/** Weighted grid over (bump set, personal shift, base rate): the simulator's own priors, discretised. */
export function hypothesisGrid(
  bumps: { center: number; weight: number }[],
  twoBumpShare: number,
  shiftMean: number,
  baseLogitMean: number,
  baseLogitSd: number,
): Hypothesis[] {
  const sets: { bumps: number[]; weight: number }[] = [];
  bumps.forEach((a, i) => {
    sets.push({ bumps: [a.center], weight: (1 - twoBumpShare) * a.weight });
    bumps.forEach((b, j) => {
      if (j < i) return;
      const ordered = i === j ? 1 : 2;
      sets.push({ bumps: [a.center, b.center], weight: twoBumpShare * a.weight * b.weight * ordered });
    });
  });
  const normalPdf = (z: number) => Math.exp(-(z * z) / 2);
  const out: Hypothesis[] = [];
  for (const set of sets)
    for (let z = -3; z <= 3.001; z += 0.25)
      for (let q = -2.5; q <= 2.501; q += 0.625)
        out.push({
          bumps: set.bumps,
          shift: shiftMean + z,
          baseLogit: baseLogitMean + q * baseLogitSd,
          prior: set.weight * normalPdf(z) * normalPdf(q),
        });
  const total = out.reduce((a, h) => a + h.prior, 0);
  for (const h of out) h.prior /= total;
  return out;
}

/** Posterior over the grid for one user; curves[h][weekend ? 1 : 0][hourIndex]. */
export class CeilingLearner {
  private readonly logWeights: Float64Array;
  constructor(
    private readonly curves: Float64Array[][],
    priors: number[],
  ) {
    this.logWeights = Float64Array.from(priors, (p) => Math.log(p));
  }

  /** The hour index with the highest posterior expected open rate. */
  choose(weekend: boolean): number {
    const max = Math.max(...this.logWeights);
    const hours = this.curves[0]![0]!.length;
    const expected = new Float64Array(hours);
    for (let h = 0; h < this.curves.length; h++) {
      const w = Math.exp(this.logWeights[h]! - max);
      if (w < 1e-12) continue;
      const curve = this.curves[h]![weekend ? 1 : 0]!;
      for (let i = 0; i < hours; i++) expected[i]! += w * curve[i]!;
    }
    let best = 0;
    for (let i = 1; i < hours; i++) if (expected[i]! > expected[best]!) best = i;
    return best;
  }

  observe(weekend: boolean, hourIndex: number, opened: boolean): void {
    for (let h = 0; h < this.curves.length; h++) {
      const p = this.curves[h]![weekend ? 1 : 0]![hourIndex]!;
      this.logWeights[h]! += Math.log(opened ? p : 1 - p);
    }
  }
}
