import { fitPrior, type Prior } from "./model";
import { type EngagementProfile, SLOTS, totals, withoutPersonal } from "./profile";
import { fitTimingModel } from "./timing-shapes";

/** The tenant's recent optimized sends of the type whose outcome has had time to arrive. */
export interface SendOutcomes {
  sends: number;
  /** The model's own probabilities for them, before recalibration, summed. */
  predicted: number;
  opened: number;
}

/** Sends counted for recalibration: sent between these many days ago (opens arrive late) … */
export const OUTCOME_SETTLE_DAYS = 1;
/** … and these many (recent enough to follow a trend such as fatigue). */
export const OUTCOME_WINDOW_DAYS = 15;
/** Opens "as predicted" the factor starts from: a small tenant's few sends move it little. */
const CALIBRATION_PSEUDO_OPENS = 30;

/**
 * Opens over predicted opens on recent optimized sends, held toward 1 and kept within [0.5, 2]. The
 * model's level lags what users do now: it is learnt from history (engagement that has faded since
 * is still in the population's rate, with a 45-day half-life), and the best of many noisy slot
 * estimates is on average an overestimate. Both show up as this one ratio, measured live.
 */
export function recalibration(outcomes: SendOutcomes | undefined): number {
  if (!outcomes || outcomes.sends <= 0) return 1;
  const factor =
    (outcomes.opened + CALIBRATION_PSEUDO_OPENS) / (outcomes.predicted + CALIBRATION_PSEUDO_OPENS);
  return Math.min(2, Math.max(0.5, factor));
}

export interface TrainedModel {
  prior: Prior;
  users: number;
  /** Decayed sends behind the model. */
  events: number;
  metrics: { logLoss: number; auc: number; calibrationError: number };
}

/**
 * Pool profiles into the population curve, learn the population's weights over the timing shapes,
 * and score the curve on the same sends: log loss per send, AUC of the predicted rates against
 * opens, and calibration as the relative gap between predicted and observed opens.
 *
 * Both learn only from sends whose hour did not depend on the user (`withoutPersonal`): sends at
 * times the tenant chose, `global` sends to new users, history. Pooled, the sends the optimizer
 * placed at each user's good hours over-credit those hours, and every retraining fed the
 * optimizer's choices back into the model. The simulator measured it (README, benchmarks): on
 * these sends alone, retraining does as well as training once on random sends.
 *
 * `outcomes` (the tenant's recent optimized sends of the type) set the prior's recalibration.
 */
export function trainModel(
  profiles: EngagementProfile[],
  version: string,
  outcomes?: SendOutcomes,
): TrainedModel {
  const unbiased = profiles.map(withoutPersonal);
  const sends = new Array<number>(SLOTS).fill(0);
  const opens = new Array<number>(SLOTS).fill(0);
  for (const p of unbiased) {
    for (let s = 0; s < SLOTS; s++) {
      sends[s]! += p.sends[s]!;
      opens[s]! += p.opens[s]!;
    }
  }
  const base = fitPrior(sends, opens, version);
  const withHistory = unbiased.filter((p) => totals(p).sends >= 5);
  const timing = fitTimingModel(withHistory);
  const calibration = recalibration(outcomes);
  const prior: Prior = {
    ...base,
    ...(timing ? { timing } : {}),
    ...(calibration !== 1 ? { calibration } : {}),
  };
  const cells: { q: number; n: number; k: number }[] = [];
  let logLoss = 0;
  let n = 0;
  let predicted = 0;
  let observed = 0;
  for (const p of unbiased) {
    for (let s = 0; s < SLOTS; s++) {
      const sent = p.sends[s]!;
      if (sent < 1e-6) continue;
      const q = Math.min(0.999, Math.max(0.001, base.curve[s]!));
      const k = p.opens[s]!;
      logLoss -= k * Math.log(q) + (sent - k) * Math.log(1 - q);
      n += sent;
      predicted += sent * q;
      observed += k;
      cells.push({ q, n: sent, k });
    }
  }
  return {
    prior,
    users: profiles.length,
    events: Math.round(n),
    metrics: {
      logLoss: n > 0 ? round(logLoss / n) : 0,
      auc: round(weightedAuc(cells)),
      calibrationError: observed > 0 ? round(Math.abs(predicted - observed) / observed) : 0,
    },
  };
}

/** P(a random open's predicted rate exceeds a random non-open's), ties counting half. */
function weightedAuc(cells: { q: number; n: number; k: number }[]): number {
  const sorted = [...cells].sort((a, b) => a.q - b.q);
  let negativesBelow = 0;
  let concordant = 0;
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    let pos = 0;
    let neg = 0;
    while (j < sorted.length && sorted[j]!.q === sorted[i]!.q) {
      pos += sorted[j]!.k;
      neg += sorted[j]!.n - sorted[j]!.k;
      j++;
    }
    concordant += pos * (negativesBelow + neg / 2);
    negativesBelow += neg;
    positives += pos;
    negatives += neg;
    i = j;
  }
  return positives > 0 && negatives > 0 ? concordant / (positives * negatives) : 0.5;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
