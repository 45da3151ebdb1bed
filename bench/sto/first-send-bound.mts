// The most any policy can achieve at a new user's first send, in expectation (send-time issue).
//   npm run bench:sto:bound -- [--users 1000000] [--type both|push|email] [--scenario weak|moderate|strong]
// At the first send nothing is known about the user, so whatever a policy picks, the user's open
// probability there is on average the population's curve at that hour: no policy beats the hour
// where the population's curve is highest. This computes that curve over a large population
// (the simulator's own users, bench/sto/population.mts) and the gap closed G it gives, with
// G = (E_policy − E_random) / (E_oracle − E_random) over the allowed hours, as the simulator does
// (weekdays count 5, weekend days 2, as first sends fall evenly on the days of the week).
import { performance } from "node:perf_hooks";
import { seededRandom } from "../../src/lib/optimizer/random";
import { parseArgs } from "./args.mts";
import {
  ALLOWED_HOURS,
  makeUser,
  type NotificationType,
  STATIONARY_SCENARIOS,
  truth,
} from "./population.mts";

const args = parseArgs();
const USERS = Number(args.users ?? 1_000_000);
const TYPES: NotificationType[] =
  args.type && args.type !== "both" ? [args.type as NotificationType] : ["push", "email"];
const STATIONARY = STATIONARY_SCENARIOS.filter((s) => !args.scenario || s.name === args.scenario);
const DAY_TYPES = [
  { name: "weekday", weekday: 0, days: 5 },
  { name: "weekend", weekday: 5, days: 2 },
];

const pct = (x: number) => Math.round(x * 1000) / 10;
console.error(`first-send bound: ${USERS.toLocaleString("en")} users per row`);
for (const type of TYPES)
  for (const sc of STATIONARY) {
    const started = performance.now();
    const random = seededRandom(424242);
    const curve = DAY_TYPES.map(() => new Float64Array(24));
    const randomPolicy = DAY_TYPES.map(() => 0);
    const oracle = DAY_TYPES.map(() => 0);
    for (let i = 0; i < USERS; i++) {
      const u = makeUser(random, type);
      DAY_TYPES.forEach(({ weekday }, t) => {
        const p = ALLOWED_HOURS.map((h) => truth(u, sc, weekday, h, 0, 60));
        let sum = 0;
        let best = 0;
        ALLOWED_HOURS.forEach((h, j) => {
          curve[t]![h]! += p[j]! / USERS;
          sum += p[j]!;
          best = Math.max(best, p[j]!);
        });
        randomPolicy[t]! += sum / p.length / USERS;
        oracle[t]! += best / USERS;
      });
      if (i > 0 && i % 250_000 === 0) console.error(`  ${type} ${sc.name}: ${i.toLocaleString("en")} users`);
    }
    let gained = 0;
    let gap = 0;
    const byDayType = DAY_TYPES.map(({ name, days }, t) => {
      const ranked = [...ALLOWED_HOURS].sort((a, b) => curve[t]![b]! - curve[t]![a]!);
      const g = (h: number) => (curve[t]![h]! - randomPolicy[t]!) / (oracle[t]! - randomPolicy[t]!);
      gained += days * (curve[t]![ranked[0]!]! - randomPolicy[t]!);
      gap += days * (oracle[t]! - randomPolicy[t]!);
      return {
        dayType: name,
        bestHour: ranked[0],
        gapClosedPercent: pct(g(ranked[0]!)),
        secondBest: { hour: ranked[1], gapClosedPercent: pct(g(ranked[1]!)) },
      };
    });
    console.log(
      JSON.stringify({
        type,
        scenario: sc.name,
        users: USERS,
        firstSendBoundPercent: pct(gained / gap),
        byDayType,
      }),
    );
    console.error(`${type} ${sc.name}: ${Math.round((performance.now() - started) / 1000)} s`);
  }
