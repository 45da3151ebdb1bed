// Send-time optimization against known ground truth (send-time issue). Deterministic per seed.
//   npm run bench:sto -- [--users 2000] [--seeds 5] [--days 60] [--type both|push|email] [--scenario all|weak|...] [--ceiling]
//   [--timing false]: without the timing shapes (the population curve and per-slot Beta alone)
//   [--retrain-every 10]: run all users day by day and retrain the prior every N days, as the service's
//     Cron Trigger retrains it (the default); 0 trains once, on the history population, before day 1
//   [--holdout 0.05]: that share of sends goes to a random allowed hour (the service's explorationShare);
//     like every send whose hour did not come from the user's history, retraining learns from them
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
import { sampleNormal, seededRandom } from "../../src/lib/optimizer/random";
import { trainModel } from "../../src/lib/optimizer/train";
import { CeilingLearner, hypothesisGrid } from "./ceiling.mts";

const args = Object.fromEntries(
  process.argv.slice(2).reduce<[string, string][]>((out, a, i, all) => {
    if (a.startsWith("--"))
      out.push([a.slice(2), all[i + 1] && !all[i + 1]!.startsWith("--") ? all[i + 1]! : "true"]);
    return out;
  }, []),
);
const USERS = Number(args.users ?? 2000);
const SEEDS = Number(args.seeds ?? 5);
const DAYS = Number(args.days ?? 60);
const TYPES = (args.type && args.type !== "both" ? [args.type] : ["push", "email"]) as ("push" | "email")[];
let TYPE: "push" | "email" = TYPES[0]!;
const HISTORY_USERS = 2000;
const HISTORY_DAYS = 30;
/** Also run the model-aware Bayesian reference (slow: about 3,000 hypotheses per user). */
const CEILING = args.ceiling === "true";
/** Retrain the prior every this many days from everyone's profiles so far (0: train once, up front). */
const RETRAIN_EVERY = Number(args["retrain-every"] ?? 10);
/** Share of sends placed at a random allowed hour (exploration: not personal, so training learns from them). */
const HOLDOUT = Number(args.holdout ?? 0);
/** Days of the other notification type's history each user brings (0: none). */
const OTHER_TYPE_DAYS = Number(args["other-type-days"] ?? 0);
const ALLOWED_HOURS = Array.from({ length: 14 }, (_, i) => 8 + i); // 08:00 … 21:00
const DAY = 86_400_000;
const BLOCKS: [number, number][] = [
  [1, 1],
  [2, 5],
  [6, 10],
  [11, 20],
  [21, 40],
  [41, 60],
];

interface Scenario {
  name: string;
  amplitude: number;
  drift?: boolean;
  fatigue?: boolean;
  timezoneMove?: boolean;
}
const SCENARIOS: Scenario[] = [
  { name: "weak", amplitude: 0.15 },
  { name: "moderate", amplitude: 0.6 },
  { name: "strong", amplitude: 1.2 },
  { name: "moderate+drift", amplitude: 0.6, drift: true },
  { name: "moderate+fatigue", amplitude: 0.6, fatigue: true },
  { name: "moderate+timezone-move", amplitude: 0.6, timezoneMove: true },
].filter((s) => !args.scenario || args.scenario === "all" || s.name === args.scenario);

const BUMPS = [
  { center: 8.5, weight: 0.3 },
  { center: 12.5, weight: 0.25 },
  { center: 19.5, weight: 0.35 },
  { center: 22.5, weight: 0.1 },
];

interface SimUser {
  base: number;
  /** The same person's base rate for the other notification type (same draw, its median). */
  otherBase: number;
  bumps: number[];
  shift: number;
  startWeekday: number;
  moves: boolean;
}

function makeUser(random: () => number): SimUser {
  const median = TYPE === "push" ? 0.05 : 0.2;
  const otherMedian = TYPE === "push" ? 0.2 : 0.05;
  const z = sampleNormal(random);
  const logit = Math.log(median / (1 - median)) + 0.8 * z;
  const otherLogit = Math.log(otherMedian / (1 - otherMedian)) + 0.8 * z;
  const pick = () => {
    let r = random();
    for (const b of BUMPS) {
      r -= b.weight;
      if (r <= 0) return b.center;
    }
    return BUMPS[0]!.center;
  };
  const bumps = random() < 0.4 ? [pick(), pick()] : [pick()];
  return {
    base: 1 / (1 + Math.exp(-logit)),
    otherBase: 1 / (1 + Math.exp(-otherLogit)),
    bumps,
    shift: sampleNormal(random) + (TYPE === "email" ? 1 : 0),
    startWeekday: Math.floor(random() * 7),
    moves: random() < 0.3,
  };
}

/** True open probability of a send at local `hour` on `weekday` (0 = Monday), on simulation day `day`. */
function truth(u: SimUser, sc: Scenario, weekday: number, hour: number, day: number): number {
  const weekend = weekday >= 5;
  const amplitude = sc.amplitude * (weekend ? 0.6 : 1);
  const drift = sc.drift ? (2 * day) / DAYS : 0;
  // A user who moved 5 h east while we still think them in the old zone: our hour h is their h + 5.
  const moved = sc.timezoneMove && u.moves && day >= DAYS / 2 ? 5 : 0;
  const shape = (h: number) => {
    let sum = 0;
    for (const c of u.bumps) {
      const d = h + moved - (c + u.shift + drift + (weekend ? 1.5 : 0));
      const wrapped = ((((d + 12) % 24) + 24) % 24) - 12;
      sum += Math.exp(-(wrapped * wrapped) / (2 * 1.5 * 1.5));
    }
    return Math.exp(amplitude * sum);
  };
  let mean = 0;
  for (const h of ALLOWED_HOURS) mean += shape(h);
  mean /= ALLOWED_HOURS.length;
  const fatigue = sc.fatigue ? 0.995 ** day : 1;
  return Math.min(0.95, ((u.base * shape(hour)) / mean) * fatigue);
}

/** The history population's profiles (30 random-hour sends each), and the prior trained on them. */
function trainPrior(sc: Scenario, seed: number): { prior: Prior; history: EngagementProfile[] } {
  const random = seededRandom(seed * 7919 + 17);
  const profiles: EngagementProfile[] = [];
  for (let i = 0; i < HISTORY_USERS; i++) {
    const u = makeUser(random);
    const profile = emptyProfile();
    for (let d = 0; d < HISTORY_DAYS; d++) {
      const weekday = (u.startWeekday + d) % 7;
      const hour = ALLOWED_HOURS[Math.floor(random() * ALLOWED_HOURS.length)]!;
      const opened = random() < truth(u, { ...sc, drift: false, timezoneMove: false }, weekday, hour, 0);
      recordSend(profile, weekday * 24 + hour, d * DAY, opened);
    }
    profiles.push(profile);
  }
  return { prior: train(profiles, `sim-${seed}`), history: profiles };
}

/** The service's own training (POST /v1/optimization/train): population curve and timing shapes. */
function train(profiles: EngagementProfile[], version: string): Prior {
  const { prior } = trainModel(profiles, version);
  if (args.timing === "false") delete prior.timing;
  return prior;
}

type Policy = "random" | "fixed10" | "globalBest" | "histogram" | "ours" | "ceiling" | "oracle";
const POLICIES: Policy[] = ["random", "fixed10", "globalBest", "histogram", "ours", "ceiling", "oracle"];

/** Each hypothesis's true curve (weekday, weekend) over the allowed hours, for the ceiling learner. */
function ceilingCurves(sc: Scenario) {
  const median = TYPE === "push" ? 0.05 : 0.2;
  const grid = hypothesisGrid(BUMPS, 0.4, TYPE === "email" ? 1 : 0, Math.log(median / (1 - median)), 0.8);
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
  for (let seed = 1; seed <= SEEDS; seed++) {
    const trained = trainPrior(sc, seed);
    let prior = trained.prior;
    const random = seededRandom(seed);
    const policyRandom = seededRandom(seed * 31 + 7);
    // Its own stream, so that running the ceiling does not change the other policies' draws.
    const ceilingRandom = seededRandom(seed * 53 + 11);
    const holdoutRandom = seededRandom(seed * 71 + 3);
    const otherRandom = seededRandom(seed * 97 + 5);
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
      expected.fixed10[block]! += p[idx(10)]!;
      let g = ALLOWED_HOURS[0]!;
      for (const h of ALLOWED_HOURS)
        if (prior.curve[weekday * 24 + h]! > prior.curve[weekday * 24 + g]!) g = h;
      expected.globalBest[block]! += p[idx(g)]!;
      let hist = 10;
      for (const h of ALLOWED_HOURS) if (histogram[h] > histogram[hist]) hist = h;
      expected.histogram[block]! += p[idx(hist)]!;
      if (policyRandom() < p[idx(hist)]!) histogram[hist]++;
      if (learner) {
        const chosen = learner.choose(weekday >= 5);
        expected.ceiling[block]! += p[chosen]!;
        learner.observe(weekday >= 5, chosen, ceilingRandom() < p[chosen]!);
      }
      // Ours
      const at = d * DAY;
      const candidates = ALLOWED_HOURS.map((h) => ({ at: at + h * 3_600_000, slot: weekday * 24 + h }));
      const sampled = (i + d) % 20 === 0;
      const t0 = performance.now();
      const post = posterior(profile, prior, related);
      const decision = chooseSendTime(candidates, post, prior, profile, policyRandom, sampled ? 200 : 0);
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
      const opened = policyRandom() < truthChosen;
      // As the service records it: personal when the hour came from the user's own history.
      const personal = !heldOut && PERSONAL_SOURCES.includes(decision.source);
      recordSend(profile, slot, at + hour * 3_600_000, opened, personal);
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
          prior = train([...trained.history, ...users.map((x) => x.profile)], `sim-${seed}-${d}`);
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
  const G = (p: Policy) =>
    BLOCKS.map(
      (_, b) =>
        Math.round(
          (1000 * (expected[p][b]! - expected.random[b]!)) / (expected.oracle[b]! - expected.random[b]!),
        ) / 10,
    );
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
  };
}

console.error(
  `users ${USERS} × seeds ${SEEDS}, ${DAYS} days, ${TYPES.join(" and ")}; blocks ${BLOCKS.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(", ")}`,
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
