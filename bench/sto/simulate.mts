// Send-time optimization against known ground truth (send-time issue). Deterministic per seed.
//   npm run bench:sto -- [--users 2000] [--seeds 5] [--days 60] [--type both|push|email] [--scenario all|weak|...] [--ceiling]
//   [--timing false]: without the timing shapes (the population curve and per-slot Beta alone)
//   [--retrain-every 10]: run all users day by day and retrain the prior every N days, as the service's
//     Cron Trigger retrains it (the default); 0 trains once, on the history population, before day 1
//   [--holdout 0.05]: that share of sends goes to a random allowed hour (the service's explorationShare);
//     like every send whose hour did not come from the user's history, retraining learns from them
//   [--first-seed 1]: seeds run from this one (tune on seeds the table of record does not use)
//   [--history-users 2000]: size of the history population the model is first trained on
//   [--by-group]: also G at sends 41–60 per kind of user (bumps, base rate) and per day type
//   [--other-type-days N]: every user already has N days of random-hour sends of the other type (the
//     same person: same bumps and phase, the other type's base rate and hour shift), which ours may use
// Users have latent hour-of-week open curves; every policy sends once a day inside the window
// "the next day, minus quiet hours 22:00–08:00" (local hours 8..21) and sees the outcome.
// G = (E_policy − E_random) / (E_oracle − E_random), from the true probabilities of the chosen hours.
import { performance } from "node:perf_hooks";
import { chooseSendTime, PERSONAL_SOURCES } from "../../src/lib/optimizer/decide";
import { type Prior, posterior } from "../../src/lib/optimizer/model";
import {
  type EngagementProfile,
  emptyProfile,
  recordSend,
  serializeProfile,
} from "../../src/lib/optimizer/profile";
import { hash32, seededRandom } from "../../src/lib/optimizer/random";
import {
  OUTCOME_SETTLE_DAYS,
  OUTCOME_WINDOW_DAYS,
  type SendOutcomes,
  trainModel,
} from "../../src/lib/optimizer/train";
import { parseArgs } from "./args.mts";
import { CeilingLearner, hypothesisGrid } from "./ceiling.mts";
import {
  SCENARIOS as ALL_SCENARIOS,
  ALLOWED_HOURS,
  BASE_LOGIT_SD,
  BUMPS,
  HISTORY_USERS,
  historyPopulation,
  makeUser as makePopulationUser,
  medianRate,
  truth as populationTruth,
  type Scenario,
  type SimUser,
  TWO_BUMP_SHARE,
  typeShift,
} from "./population.mts";

const args = parseArgs();
const USERS = Number(args.users ?? 2000);
const SEEDS = Number(args.seeds ?? 5);
const FIRST_SEED = Number(args["first-seed"] ?? 1);
const HISTORY_USER_COUNT = Number(args["history-users"] ?? HISTORY_USERS);
const DAYS = Number(args.days ?? 60);
const TYPES = (args.type && args.type !== "both" ? [args.type] : ["push", "email"]) as ("push" | "email")[];
let TYPE: "push" | "email" = TYPES[0]!;
/** Also run the model-aware Bayesian reference (slow: about 3,000 hypotheses per user). */
const CEILING = args.ceiling === "true";
/** Retrain the prior every this many days from everyone's profiles so far (0: train once, up front). */
const RETRAIN_EVERY = Number(args["retrain-every"] ?? 10);
/** Share of sends placed at a random allowed hour (exploration: not personal, so training learns from them). */
const HOLDOUT = Number(args.holdout ?? 0);
/** Days of the other notification type's history each user brings (0: none). */
const OTHER_TYPE_DAYS = Number(args["other-type-days"] ?? 0);
const BY_GROUP = args["by-group"] === "true";
const SCENARIOS = ALL_SCENARIOS.filter(
  (s) => !args.scenario || args.scenario === "all" || s.name === args.scenario,
);
const makeUser = (random: () => number) => makePopulationUser(random, TYPE);
const truth = (u: SimUser, sc: Scenario, weekday: number, hour: number, day: number) =>
  populationTruth(u, sc, weekday, hour, day, DAYS);
const DAY = 86_400_000;
const BLOCKS: [number, number][] = [
  [1, 1],
  [2, 5],
  [6, 10],
  [11, 20],
  [21, 40],
  [41, 60],
];

/** The history population's profiles, and the prior trained on them. */
function trainPrior(sc: Scenario, seed: number): { prior: Prior; history: EngagementProfile[] } {
  const history = historyPopulation(sc, seed, TYPE, HISTORY_USER_COUNT);
  return { prior: train(history, `sim-${seed}`), history };
}

/** The service's own training (POST /v1/optimization/train): population curve and timing shapes. */
function train(profiles: EngagementProfile[], version: string, outcomes?: SendOutcomes): Prior {
  const { prior } = trainModel(profiles, version, outcomes);
  if (args.timing === "false") delete prior.timing;
  return prior;
}

/** A uniform draw per (user, day, hour) of a seed: a send there is opened when it is below the send's probability. */
function outcomeCoins(seed: number): (user: number, day: number, hour: number) => number {
  return (user, day, hour) => hash32(`${seed}:${user}:${day}:${hour}`) / 4294967296;
}

type Policy = "random" | "fixed10" | "globalBest" | "histogram" | "ours" | "ceiling" | "oracle";
const POLICIES: Policy[] = ["random", "fixed10", "globalBest", "histogram", "ours", "ceiling", "oracle"];

/** Each hypothesis's true curve (weekday, weekend) over the allowed hours, for the ceiling learner. */
function ceilingCurves(sc: Scenario) {
  const median = medianRate(TYPE);
  const grid = hypothesisGrid(
    BUMPS,
    TWO_BUMP_SHARE,
    typeShift(TYPE),
    Math.log(median / (1 - median)),
    BASE_LOGIT_SD,
  );
  const stationary: Scenario = { name: sc.name, amplitude: sc.amplitude };
  const curves = grid.map((h) => {
    const u: SimUser = {
      base: 1 / (1 + Math.exp(-h.baseLogit)),
      otherBase: 0,
      bumps: h.bumps,
      shift: h.shift,
      startWeekday: 0,
      moves: false,
    };
    return [0, 5].map((weekday) =>
      Float64Array.from(ALLOWED_HOURS, (hour) => truth(u, stationary, weekday, hour, 0)),
    );
  });
  return { curves, priors: grid.map((h) => h.prior) };
}

/** The kinds of user and day a send at sends 41–60 is tallied under with --by-group. */
function groupsOf(u: SimUser, weekday: number): string[] {
  const [a, b] = u.bumps;
  const bumps =
    b === undefined
      ? "one bump"
      : a === b
        ? "the same bump twice"
        : Math.abs(a! - b) <= 3
          ? "two bumps 3 h apart"
          : "two bumps";
  const base = u.base < 0.03 ? "base rate < 3 %" : u.base < 0.08 ? "base rate 3-8 %" : "base rate > 8 %";
  return [bumps, base, weekday >= 5 ? "weekend" : "weekday"];
}

function run(sc: Scenario) {
  const expected: Record<Policy, number[]> = Object.fromEntries(
    POLICIES.map((p) => [p, BLOCKS.map(() => 0)]),
  ) as never;
  let predicted = 0;
  let realised = 0;
  const predictedByBlock = BLOCKS.map(() => 0);
  const realisedByBlock = BLOCKS.map(() => 0);
  const bins = Array.from({ length: 10 }, () => ({ predicted: 0, realised: 0, n: 0 }));
  let confidenceSum = 0;
  let confidenceHits = 0;
  let confidenceN = 0;
  let violations = 0;
  const latencies: number[] = [];
  let maxState = 0;
  const ceiling = CEILING ? ceilingCurves(sc) : undefined;
  const byGroup = new Map<string, Partial<Record<Policy, number>> & { sends: number }>();
  const tally = (u: SimUser, weekday: number, day: number, policy: Policy, value: number) => {
    if (!BY_GROUP || day + 1 < BLOCKS.at(-1)![0]) return;
    for (const group of groupsOf(u, weekday)) {
      const sums = byGroup.get(group) ?? { sends: 0 };
      sums[policy] = (sums[policy] ?? 0) + value;
      if (policy === "oracle") sums.sends++;
      byGroup.set(group, sums);
    }
  };
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
    const trained = trainPrior(sc, seed);
    let prior = trained.prior;
    const random = seededRandom(seed);
    // Whether a send is opened depends only on the user, the day and the hour (common random
    // numbers): two policies, or two versions of ours, that choose the same hour see the same
    // outcome, so their difference is measured without the noise of unrelated draws. Before, one
    // stream served opens and confidence draws, and any change re-drew every later outcome.
    const opens = outcomeCoins(seed);
    const confidenceRandom = seededRandom(seed * 31 + 7);
    const holdoutRandom = seededRandom(seed * 71 + 3);
    const otherRandom = seededRandom(seed * 97 + 5);
    /** Ours, send by send, as the service's optimized_sends table keeps them (for recalibration). */
    const sent: { at: number; predicted: number; opened: boolean }[] = [];
    const outcomesBefore = (now: number): SendOutcomes => {
      const outcomes = { sends: 0, predicted: 0, opened: 0 };
      for (const x of sent) {
        if (x.at > now - OUTCOME_SETTLE_DAYS * DAY || x.at < now - OUTCOME_WINDOW_DAYS * DAY) continue;
        outcomes.sends++;
        outcomes.predicted += x.predicted;
        if (x.opened) outcomes.opened++;
      }
      return outcomes;
    };
    /** The user's other notification type: N days before day 0, one send a day at a random hour. */
    const otherTypeHistory = (u: SimUser): EngagementProfile[] => {
      if (OTHER_TYPE_DAYS <= 0) return [];
      const other = { ...u, base: u.otherBase, shift: u.shift + (TYPE === "push" ? 1 : -1) };
      const stationary: Scenario = { name: sc.name, amplitude: sc.amplitude };
      const profile = emptyProfile();
      for (let d = -OTHER_TYPE_DAYS; d < 0; d++) {
        const weekday = (((u.startWeekday + d) % 7) + 7) % 7;
        const hour = ALLOWED_HOURS[Math.floor(otherRandom() * ALLOWED_HOURS.length)]!;
        const opened = otherRandom() < truth(other, stationary, weekday, hour, 0);
        recordSend(profile, weekday * 24 + hour, d * DAY + hour * 3_600_000, opened);
      }
      return [profile];
    };
    const newUser = (i: number) => {
      const u = makeUser(random);
      return { i, u, related: otherTypeHistory(u), ...userState() };
    };
    const userState = () => ({
      profile: emptyProfile(),
      histogram: new Array<number>(24).fill(0),
      learner: ceiling ? new CeilingLearner(ceiling.curves, ceiling.priors) : undefined,
    });
    const sendDay = (
      { i, u, related, profile, histogram, learner }: ReturnType<typeof newUser>,
      d: number,
    ) => {
      const weekday = (u.startWeekday + d) % 7;
      const p = ALLOWED_HOURS.map((h) => truth(u, sc, weekday, h, d));
      const block = BLOCKS.findIndex(([a, b]) => d + 1 >= a && d + 1 <= b);
      const best = Math.max(...p);
      const mean = p.reduce((a, b) => a + b, 0) / p.length;
      const idx = (h: number) => ALLOWED_HOURS.indexOf(h);
      // Baselines
      expected.random[block]! += mean;
      expected.oracle[block]! += best;
      tally(u, weekday, d, "random", mean);
      tally(u, weekday, d, "oracle", best);
      expected.fixed10[block]! += p[idx(10)]!;
      let g = ALLOWED_HOURS[0]!;
      for (const h of ALLOWED_HOURS)
        if (prior.curve[weekday * 24 + h]! > prior.curve[weekday * 24 + g]!) g = h;
      expected.globalBest[block]! += p[idx(g)]!;
      let hist = 10;
      for (const h of ALLOWED_HOURS) if (histogram[h]! > histogram[hist]!) hist = h;
      expected.histogram[block]! += p[idx(hist)]!;
      if (opens(i, d, hist) < p[idx(hist)]!) histogram[hist]!++;
      if (learner) {
        const chosen = learner.choose(weekday >= 5);
        expected.ceiling[block]! += p[chosen]!;
        tally(u, weekday, d, "ceiling", p[chosen]!);
        learner.observe(weekday >= 5, chosen, opens(i, d, ALLOWED_HOURS[chosen]!) < p[chosen]!);
      }
      // Ours
      const at = d * DAY;
      const candidates = ALLOWED_HOURS.map((h) => ({ at: at + h * 3_600_000, slot: weekday * 24 + h }));
      const sampled = (i + d) % 20 === 0;
      const t0 = performance.now();
      const post = posterior(profile, prior, related);
      const decision = chooseSendTime(candidates, post, prior, profile, confidenceRandom, sampled ? 200 : 0);
      latencies.push(performance.now() - t0);
      // A holdout send goes to a random allowed hour instead (its cost counts in ours).
      const heldOut = HOLDOUT > 0 && holdoutRandom() < HOLDOUT;
      const slot = heldOut
        ? weekday * 24 + ALLOWED_HOURS[Math.floor(holdoutRandom() * ALLOWED_HOURS.length)]!
        : decision.slot;
      const probability = heldOut ? post.mean[slot]! : decision.engagementProbability;
      const hour = slot % 24;
      if (!ALLOWED_HOURS.includes(hour)) violations++;
      const truthChosen = p[idx(hour)]!;
      expected.ours[block]! += truthChosen;
      tally(u, weekday, d, "ours", truthChosen);
      const opened = opens(i, d, hour) < truthChosen;
      // As the service records it: personal when the hour came from the user's own history.
      const personal = !heldOut && PERSONAL_SOURCES.includes(decision.source);
      recordSend(profile, slot, at + hour * 3_600_000, opened, personal);
      sent.push({
        at: at + hour * 3_600_000,
        predicted: heldOut ? post.mean[slot]! / post.calibration : decision.modelProbability,
        opened,
      });
      predicted += probability;
      realised += truthChosen;
      predictedByBlock[block]! += probability;
      realisedByBlock[block]! += truthChosen;
      const bin = bins[Math.min(9, Math.floor(probability * 10 * (TYPE === "push" ? 4 : 1)))]!;
      bin.predicted += probability;
      bin.realised += truthChosen;
      bin.n++;
      if (sampled && !heldOut) {
        confidenceSum += decision.confidence;
        confidenceN++;
        if (truthChosen >= 0.95 * best) confidenceHits++;
      }
    };
    if (RETRAIN_EVERY > 0) {
      // Day by day over all users, retraining as the service's Cron Trigger does: from the history
      // population and everything the simulated users have done so far.
      const users = Array.from({ length: USERS }, (_, i) => newUser(i));
      for (let d = 0; d < DAYS; d++) {
        if (d > 0 && d % RETRAIN_EVERY === 0)
          prior = train(
            [...trained.history, ...users.map((x) => x.profile)],
            `sim-${seed}-${d}`,
            outcomesBefore(d * DAY),
          );
        for (const user of users) sendDay(user, d);
      }
      for (const user of users) maxState = Math.max(maxState, serializeProfile(user.profile).length);
    } else {
      for (let i = 0; i < USERS; i++) {
        const user = newUser(i);
        for (let d = 0; d < DAYS; d++) sendDay(user, d);
        maxState = Math.max(maxState, serializeProfile(user.profile).length);
      }
    }
  }
  /** G in percent, to one decimal. */
  const gapClosedPercent = (value: number, random: number, oracle: number) =>
    Math.round((1000 * (value - random)) / (oracle - random)) / 10;
  const G = (p: Policy) =>
    BLOCKS.map((_, b) => gapClosedPercent(expected[p][b]!, expected.random[b]!, expected.oracle[b]!));
  const gapClosed = (sums: Partial<Record<Policy, number>>, p: Policy) =>
    gapClosedPercent(sums[p]!, sums.random!, sums.oracle!);
  const groups = [...byGroup].map(([group, sums]) => ({
    group,
    sends: sums.sends,
    ours: gapClosed(sums, "ours"),
    ...(CEILING ? { ceiling: gapClosed(sums, "ceiling") } : {}),
    // How much of the row's gap to be closed (oracle over random) is in this group.
    shareOfGapPercent:
      Math.round(
        (1000 * (sums.oracle! - sums.random!)) / (expected.oracle.at(-1)! - expected.random.at(-1)!),
      ) / 10,
  }));
  latencies.sort((a, b) => a - b);
  const ece = bins.reduce((sum, b) => sum + Math.abs(b.predicted - b.realised), 0) / Math.max(1e-9, realised);
  return {
    scenario: sc.name,
    gapClosedPercentByBlock: Object.fromEntries(
      (
        ["ours", "globalBest", "histogram", "fixed10", ...(CEILING ? ["ceiling" as const] : [])] as Policy[]
      ).map((p) => [p, G(p)]),
    ),
    liftOverFixed10Percent:
      Math.round(
        1000 * (expected.ours.reduce((a, b) => a + b) / expected.fixed10.reduce((a, b) => a + b) - 1),
      ) / 10,
    calibration: {
      relativeErrorPercent: Math.round((1000 * (predicted - realised)) / realised) / 10,
      byBlockPercent: BLOCKS.map(
        (_, b) =>
          Math.round((1000 * (predictedByBlock[b]! - realisedByBlock[b]!)) / realisedByBlock[b]!) / 10,
      ),
      binnedErrorPercent: Math.round(1000 * ece) / 10,
      confidenceMean: Math.round((1000 * confidenceSum) / confidenceN) / 1000,
      confidenceHitRate: Math.round((1000 * confidenceHits) / confidenceN) / 1000,
    },
    quietHourViolations: violations,
    decisionMs: {
      p50: Math.round(latencies[Math.floor(latencies.length * 0.5)]! * 1000) / 1000,
      p99: Math.round(latencies[Math.floor(latencies.length * 0.99)]! * 1000) / 1000,
    },
    maxStateBytes: maxState,
    ...(BY_GROUP ? { gapClosedPercentAtSends41to60ByGroup: groups } : {}),
  };
}

console.error(
  `users ${USERS} × seeds ${FIRST_SEED}–${FIRST_SEED + SEEDS - 1} (history population ${HISTORY_USER_COUNT}), ${DAYS} days, ${TYPES.join(" and ")}; blocks ${BLOCKS.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(", ")}`,
);
for (const type of TYPES) {
  TYPE = type;
  for (const sc of SCENARIOS) {
    const started = performance.now();
    const result = run(sc);
    console.log(JSON.stringify({ type, ...result }));
    console.error(`${type} ${sc.name}: ${Math.round((performance.now() - started) / 1000)} s`);
  }
}
