import {
  addLocalDays,
  atLocal,
  type BusinessHours,
  isBusinessTime,
  localParts,
  type QuietHours,
  quietHoursEnd,
} from "../time/calendar";
import type { BusyInterval } from "./calendar-busy";
import { type Candidate, chooseSendTime, type Decision, type SendTimeSource } from "./decide";
import { fitPrior, type Posterior, type Prior, posterior } from "./model";
import { type EngagementProfile, SLOTS } from "./profile";
import { seededRandom } from "./random";

/** A window longer than this is refused: the profile is weekly, two weeks is plenty. */
export const MAX_WINDOW_MS = 14 * 86_400_000;
const HOUR = 3_600_000;

export interface SendConstraints {
  zone: string;
  quietHours?: QuietHours | null;
  /** Only when the caller asks for business hours. */
  businessHours?: BusinessHours | null;
  holidayRegion?: string | null;
  /** Instants of the user's other sends, and how many a rolling 24 h may hold (frequency cap). */
  otherSends?: number[];
  maxPerDay?: number | null;
  /** Busy times from the user's calendar: no send inside them. */
  busy?: BusyInterval[];
}

/** The hour of the week (0 = Monday 00:00) that an instant falls in, in the zone. */
export function slotOf(epochMs: number, zone: string): number {
  const local = localParts(epochMs, zone);
  return (local.weekday - 1) * 24 + Math.floor(local.minuteOfDay / 60);
}

/** Where sends may go: `notBefore`, then every top of the hour up to `notAfter`, minus what is not allowed. */
export function candidateInstants(notBefore: number, notAfter: number, c: SendConstraints): Candidate[] {
  const times = [notBefore];
  for (let t = Math.ceil((notBefore + 1) / HOUR) * HOUR; t <= notAfter; t += HOUR) times.push(t);
  const capped = (t: number) =>
    c.maxPerDay != null &&
    (c.otherSends ?? []).filter((s) => Math.abs(s - t) < 12 * HOUR).length >= c.maxPerDay;
  return times
    .filter(
      (t) =>
        quietHoursEnd(t, { zone: c.zone, quietHours: c.quietHours }) === null &&
        isBusinessTime(t, { zone: c.zone, businessHours: c.businessHours, holidayRegion: c.holidayRegion }) &&
        !capped(t) &&
        !(c.busy ?? []).some(([start, end]) => t >= start && t < end),
    )
    .map((at) => ({ at, slot: slotOf(at, c.zone) }));
}

const FLAT = fitPrior(new Array(SLOTS).fill(0), new Array(SLOTS).fill(0), "flat");

/** Local hour of the answer when there is neither a trained prior nor user data. */
const FALLBACK_HOUR = 10;

/**
 * The best allowed instant in [notBefore, notAfter] for this user, or null when nothing is allowed.
 * `related` are the user's profiles of other notification types (they inform the timing only).
 * `explorationShare` of the answers are a random allowed time instead (source `exploration`):
 * those sends are not personal, so training learns from them what every hour is worth.
 * Without a trained prior and without user data the answer is the fallback local hour (10:00 in
 * the window, else the first allowed time). The random draws behind `confidence` are seeded, so the
 * same question gets the same answer.
 */
export function resolveSendTime(
  profile: EngagementProfile,
  prior: Prior | null,
  notBefore: number,
  notAfter: number,
  constraints: SendConstraints,
  seed: number,
  { related = [], explorationShare = 0 }: { related?: EngagementProfile[]; explorationShare?: number } = {},
): Decision | null {
  const candidates = candidateInstants(notBefore, notAfter, constraints);
  if (candidates.length === 0) return null;
  const post = posterior(profile, prior ?? FLAT, related);
  if (!prior && post.evidence < 3) {
    // The window's start is a candidate too: inside the fallback hour it is (say) 10:37, and
    // answering it would send at once, so the candidate nearest the hour's start wins (10:00, or
    // 10:30 in a zone half an hour off UTC); among equals, the earliest.
    const minuteOfDay = (c: Candidate) => localParts(c.at, constraints.zone).minuteOfDay;
    const pick =
      candidates
        .filter((c) => c.slot % 24 === FALLBACK_HOUR)
        .sort((a, b) => minuteOfDay(a) - minuteOfDay(b))[0] ?? candidates[0]!;
    return unoptimized(
      pick,
      post,
      "fallback",
      `No engagement data yet for this user or this tenant: the fallback time, ${FALLBACK_HOUR}:00 local (or the first allowed time when the window has no ${FALLBACK_HOUR}:00).`,
    );
  }
  const decision = chooseSendTime(candidates, post, prior ?? FLAT, profile, seededRandom(seed));
  if (explorationShare <= 0) return decision;
  // Its own seeded stream: the same question still gets the same answer.
  const explore = seededRandom(seed ^ 0x5bd1e995);
  if (explore() >= explorationShare) return decision;
  const pick = candidates[Math.floor(explore() * candidates.length)]!;
  return {
    ...unoptimized(
      pick,
      post,
      "exploration",
      `Exploration: a random allowed time (${Math.round(explorationShare * 1000) / 10} % of this tenant's optimized sends go to one), so that training keeps learning what every hour is worth; the model would have chosen ${String(decision.slot % 24).padStart(2, "0")}:00.`,
    ),
    alternatives: decision.alternatives,
  };
}

/** An answer the model did not choose (fallback or exploration): no confidence to claim. */
function unoptimized(
  pick: Candidate,
  post: Posterior,
  source: SendTimeSource,
  explanation: string,
): Decision {
  return {
    at: pick.at,
    slot: pick.slot,
    engagementProbability: post.mean[pick.slot]!,
    modelProbability: post.mean[pick.slot]! / post.calibration,
    confidence: 0,
    source,
    explanation,
  };
}

/**
 * A fixed local time (an experiment's control arm): the first day's `HH:MM` in the user's zone
 * (P1 across gaps) inside the window and outside quiet hours; null if none within the window.
 */
export function fixedSendTime(
  notBefore: number,
  notAfter: number,
  localTime: string,
  constraints: SendConstraints,
): Candidate | null {
  let date = localParts(notBefore, constraints.zone).date;
  for (let day = 0; day <= 15; day++) {
    const at = atLocal(date, localTime, constraints.zone);
    if (at > notAfter) return null;
    if (
      at >= notBefore &&
      quietHoursEnd(at, { zone: constraints.zone, quietHours: constraints.quietHours }) === null
    ) {
      return { at, slot: slotOf(at, constraints.zone) };
    }
    date = addLocalDays(date, 1).date;
  }
  return null;
}
