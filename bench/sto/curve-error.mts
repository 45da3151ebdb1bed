// How far the population curve the service learns from a tenant's history is from the true one
// (send-time issue). Much of what limits push at the first send, and some of it later, is this
// curve's estimate (README, benchmarks); this measures the estimate directly, without the noise of
// simulated opens on top, so estimators can be compared on it.
//   npm run bench:sto:curve -- [--type push|email] [--scenario strong] [--history-users 2000] [--draws 12]
// The true curve: the mean of the simulator's own users' open probabilities per hour of the week
// (--truth-users of them). Each draw: a history population as the simulator's (population.mts,
// its own seed), trained as the service trains (trainModel). Per day of the week, over the allowed
// hours, both curves are scaled to mean 1 (only their shape decides a send time), and it reports
//   relativeErrorPercent  root mean square of (estimated − true) over those hours
//   bestHourSharePercent  the true curve's gain over a random allowed hour at the estimate's best
//                         hour, as a share of its gain at its own best (100: always the right hour)
import { performance } from "node:perf_hooks";
import { SLOTS } from "../../src/lib/optimizer/profile";
import { seededRandom } from "../../src/lib/optimizer/random";
import { trainModel } from "../../src/lib/optimizer/train";
import { parseArgs } from "./args.mts";
import {
  ALLOWED_HOURS,
  HISTORY_USERS,
  historyPopulation,
  makeUser,
  type NotificationType,
  type Scenario,
  STATIONARY_SCENARIOS,
  truth,
} from "./population.mts";

const args = parseArgs();
const TYPE = (args.type ?? "push") as NotificationType;
const HISTORY_USER_COUNT = Number(args["history-users"] ?? HISTORY_USERS);
const DRAWS = Number(args.draws ?? 12);
const TRUTH_USERS = Number(args["truth-users"] ?? 100_000);
const stationary = STATIONARY_SCENARIOS.filter((s) => !args.scenario || s.name === args.scenario);

function trueCurve(scenario: Scenario): Float64Array {
  const random = seededRandom(424242);
  const curve = new Float64Array(SLOTS);
  for (let i = 0; i < TRUTH_USERS; i++) {
    const u = makeUser(random, TYPE);
    for (let weekday = 0; weekday < 7; weekday++)
      for (const hour of ALLOWED_HOURS)
        curve[weekday * 24 + hour]! += truth(u, scenario, weekday, hour, 0, 30);
  }
  return curve;
}

const round = (x: number) => Math.round(x * 10) / 10;
console.error(
  `${TYPE}: ${DRAWS} history populations of ${HISTORY_USER_COUNT.toLocaleString("en")} users against ${TRUTH_USERS.toLocaleString("en")} users' true curve`,
);
for (const scenario of stationary) {
  const started = performance.now();
  const exact = trueCurve(scenario);
  let squaredError = 0;
  let hours = 0;
  let shareSum = 0;
  for (let draw = 1; draw <= DRAWS; draw++) {
    // Seeds apart from the simulator's (1–18), so that these populations are not its histories.
    const history = historyPopulation(scenario, 100 + draw, TYPE, HISTORY_USER_COUNT);
    const estimate = trainModel(history, "curve-error").prior.curve;
    for (let weekday = 0; weekday < 7; weekday++) {
      const slots = ALLOWED_HOURS.map((hour) => weekday * 24 + hour);
      const meanOf = (curve: ArrayLike<number>) =>
        slots.reduce((sum, s) => sum + curve[s]!, 0) / slots.length;
      const exactMean = meanOf(exact);
      const estimateMean = meanOf(estimate);
      let estimatedBest = slots[0]!;
      let trueBest = slots[0]!;
      for (const s of slots) {
        squaredError += (estimate[s]! / estimateMean - exact[s]! / exactMean) ** 2;
        hours++;
        if (estimate[s]! > estimate[estimatedBest]!) estimatedBest = s;
        if (exact[s]! > exact[trueBest]!) trueBest = s;
      }
      shareSum += (exact[estimatedBest]! - exactMean) / (exact[trueBest]! - exactMean);
    }
    console.error(`  ${scenario.name}: draw ${draw} of ${DRAWS}`);
  }
  console.log(
    JSON.stringify({
      type: TYPE,
      scenario: scenario.name,
      historyUsers: HISTORY_USER_COUNT,
      draws: DRAWS,
      relativeErrorPercent: round(100 * Math.sqrt(squaredError / hours)),
      bestHourSharePercent: round((100 * shareSum) / (DRAWS * 7)),
    }),
  );
  console.error(`${TYPE} ${scenario.name}: ${Math.round((performance.now() - started) / 1000)} s`);
}
