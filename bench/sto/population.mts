// The simulator's population with known ground truth: users with latent hour-of-week open curves.
// Shared by the simulator (simulate.mts) and the cold-start check (first-send.mts).
import { type EngagementProfile, emptyProfile, recordSend } from "../../src/lib/optimizer/profile";
import { sampleNormal, seededRandom } from "../../src/lib/optimizer/random";

export type NotificationType = "push" | "email";

export const ALLOWED_HOURS = Array.from({ length: 14 }, (_, i) => 8 + i); // 08:00 … 21:00

export interface Scenario {
  name: string;
  amplitude: number;
  drift?: boolean;
  fatigue?: boolean;
  timezoneMove?: boolean;
}

export const SCENARIOS: Scenario[] = [
  { name: "weak", amplitude: 0.15 },
  { name: "moderate", amplitude: 0.6 },
  { name: "strong", amplitude: 1.2 },
  { name: "moderate+drift", amplitude: 0.6, drift: true },
  { name: "moderate+fatigue", amplitude: 0.6, fatigue: true },
  { name: "moderate+timezone-move", amplitude: 0.6, timezoneMove: true },
];

/** The scenarios without drift, fatigue or moves: users' true curves stay as they are. */
export const STATIONARY_SCENARIOS = SCENARIOS.filter((s) => !s.drift && !s.fatigue && !s.timezoneMove);

export const BUMPS = [
  { center: 8.5, weight: 0.3 },
  { center: 12.5, weight: 0.25 },
  { center: 19.5, weight: 0.35 },
  { center: 22.5, weight: 0.1 },
];
/** Share of users with two daily bumps. */
export const TWO_BUMP_SHARE = 0.4;

export const medianRate = (type: NotificationType) => (type === "push" ? 0.05 : 0.2);
/** Email is read an hour later than push. */
export const typeShift = (type: NotificationType) => (type === "email" ? 1 : 0);
export const BASE_LOGIT_SD = 0.8;

export interface SimUser {
  base: number;
  /** The same person's base rate for the other notification type (same draw, its median). */
  otherBase: number;
  bumps: number[];
  shift: number;
  startWeekday: number;
  moves: boolean;
}

export function makeUser(random: () => number, type: NotificationType): SimUser {
  const other: NotificationType = type === "push" ? "email" : "push";
  const z = sampleNormal(random);
  const logitOf = (median: number) => Math.log(median / (1 - median)) + BASE_LOGIT_SD * z;
  const pick = () => {
    let r = random();
    for (const b of BUMPS) {
      r -= b.weight;
      if (r <= 0) return b.center;
    }
    return BUMPS[0]!.center;
  };
  const bumps = random() < TWO_BUMP_SHARE ? [pick(), pick()] : [pick()];
  return {
    base: 1 / (1 + Math.exp(-logitOf(medianRate(type)))),
    otherBase: 1 / (1 + Math.exp(-logitOf(medianRate(other)))),
    bumps,
    shift: sampleNormal(random) + typeShift(type),
    startWeekday: Math.floor(random() * 7),
    moves: random() < 0.3,
  };
}

/**
 * True open probability of a send at local `hour` on `weekday` (0 = Monday), on simulation day
 * `day` of `days`.
 */
export function truth(
  u: SimUser,
  sc: Scenario,
  weekday: number,
  hour: number,
  day: number,
  days: number,
): number {
  const weekend = weekday >= 5;
  const amplitude = sc.amplitude * (weekend ? 0.6 : 1);
  const drift = sc.drift ? (2 * day) / days : 0;
  // A user who moved 5 h east while we still think them in the old zone: our hour h is their h + 5.
  const moved = sc.timezoneMove && u.moves && day >= days / 2 ? 5 : 0;
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

/** Users in the history population (the benchmark of record: 2,000). */
export const HISTORY_USERS = 2000;
export const HISTORY_DAYS = 30;
const DAY = 86_400_000;

/**
 * The history population the model is first trained on: other users of the tenant, each sent to
 * once a day for 30 days at a random allowed hour (the scenario without drift or moves).
 */
export function historyPopulation(
  sc: Scenario,
  seed: number,
  type: NotificationType,
  users = HISTORY_USERS,
): EngagementProfile[] {
  const random = seededRandom(seed * 7919 + 17);
  const stationary: Scenario = { ...sc, drift: false, timezoneMove: false };
  const profiles: EngagementProfile[] = [];
  for (let i = 0; i < users; i++) {
    const u = makeUser(random, type);
    const profile = emptyProfile();
    for (let d = 0; d < HISTORY_DAYS; d++) {
      const weekday = (u.startWeekday + d) % 7;
      const hour = ALLOWED_HOURS[Math.floor(random() * ALLOWED_HOURS.length)]!;
      const opened = random() < truth(u, stationary, weekday, hour, 0, HISTORY_DAYS);
      recordSend(profile, weekday * 24 + hour, d * DAY, opened);
    }
    profiles.push(profile);
  }
  return profiles;
}
