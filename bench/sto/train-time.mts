// How long training takes (send-time issue): `trainModel`, what `POST /v1/optimization/train` and
// the hourly Cron Trigger run per notification type, on a tenant's worth of profiles.
//   npm run bench:sto:train -- [--profiles 20000] [--type push|email] [--scenario weak|moderate|strong] [--runs 3]
// Profiles are the simulator's history population (population.mts: 30 random-hour sends each).
// Building them is not timed. Each run trains from scratch on the same profiles; it prints the
// fastest and slowest run per scenario, and how the population's timing preference came out.
import { performance } from "node:perf_hooks";
import { TIMING_SHAPES, timingPreferenceShares } from "../../src/lib/optimizer/timing-shapes";
import { trainModel } from "../../src/lib/optimizer/train";
import { parseArgs } from "./args.mts";
import { historyPopulation, type NotificationType, STATIONARY_SCENARIOS } from "./population.mts";

const args = parseArgs();
const PROFILES = Number(args.profiles ?? 20_000);
const TYPE = (args.type ?? "push") as NotificationType;
const RUNS = Number(args.runs ?? 3);
const scenarios = STATIONARY_SCENARIOS.filter((s) => !args.scenario || s.name === args.scenario);

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
console.error(
  `${TYPE}: ${PROFILES.toLocaleString("en")} profiles, ${TIMING_SHAPES.length} timing shapes, ${RUNS} runs`,
);
for (const scenario of scenarios) {
  const profiles = historyPopulation(scenario, 1, TYPE, PROFILES);
  const seconds: number[] = [];
  let shares: ReturnType<typeof timingPreferenceShares> | undefined;
  for (let run = 1; run <= RUNS; run++) {
    const started = performance.now();
    const { prior } = trainModel(profiles, `train-time-${run}`);
    seconds.push((performance.now() - started) / 1000);
    if (prior.timing) shares = timingPreferenceShares(prior.timing);
    console.error(`  ${scenario.name}: run ${run} of ${RUNS}: ${seconds.at(-1)!.toFixed(2)} s`);
  }
  console.log(
    JSON.stringify({
      type: TYPE,
      scenario: scenario.name,
      profiles: PROFILES,
      shapes: TIMING_SHAPES.length,
      secondsMin: round(Math.min(...seconds), 2),
      secondsMax: round(Math.max(...seconds), 2),
      preference: shares && {
        none: round(shares.none, 3),
        mild: round(shares.mild, 3),
        clear: round(shares.clear, 3),
      },
    }),
  );
}
