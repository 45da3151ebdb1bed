/**
 * A user's engagement with one notification type, by the hour of the week it was *sent* in (the
 * user's local time): decayed counts of sends and of sends that were opened. Open-time histograms
 * mostly echo past send times; counting by send slot measures what a send at that hour achieves.
 */
export const SLOTS = 168;
/** Older evidence weighs less: an event this old counts half. */
export const HALF_LIFE_MS = 45 * 86_400_000;

export interface EngagementProfile {
  /** Instant the counts are decayed to (the newest event seen). */
  asOf: number;
  sends: number[];
  opens: number[];
  /**
   * The part of `sends` and `opens` whose hour the optimizer chose from this user's own history
   * (source model or segment). Training leaves it out: those hours were picked because this user
   * likes them, so pooled, they would over-credit the hours themselves.
   */
  personalSends: number[];
  personalOpens: number[];
}

export function emptyProfile(): EngagementProfile {
  const zeros = () => new Array<number>(SLOTS).fill(0);
  return { asOf: 0, sends: zeros(), opens: zeros(), personalSends: zeros(), personalOpens: zeros() };
}

const COUNTS = ["sends", "opens", "personalSends", "personalOpens"] as const;

function decayFactor(ageMs: number): number {
  return ageMs <= 0 ? 1 : 0.5 ** (ageMs / HALF_LIFE_MS);
}

/**
 * Add a send (and whether it was opened) made at `at` in `slot`, `personal` when the optimizer
 * chose its hour from this user's history; decays in place, returns the profile.
 */
export function recordSend(
  profile: EngagementProfile,
  slot: number,
  at: number,
  opened: boolean,
  personal = false,
): EngagementProfile {
  if (at > profile.asOf) {
    const factor = decayFactor(at - profile.asOf);
    if (factor !== 1) for (const key of COUNTS) for (let s = 0; s < SLOTS; s++) profile[key][s]! *= factor;
    profile.asOf = at;
  }
  const weight = decayFactor(profile.asOf - at);
  profile.sends[slot]! += weight;
  if (opened) profile.opens[slot]! += weight;
  if (personal) {
    profile.personalSends[slot]! += weight;
    if (opened) profile.personalOpens[slot]! += weight;
  }
  return profile;
}

/** An open arriving after its send was recorded as unopened. */
export function recordOpen(
  profile: EngagementProfile,
  slot: number,
  sentAt: number,
  personal = false,
): EngagementProfile {
  const weight = decayFactor(profile.asOf - sentAt);
  profile.opens[slot] = Math.min(profile.sends[slot]!, profile.opens[slot]! + weight);
  if (personal)
    profile.personalOpens[slot] = Math.min(
      profile.personalSends[slot]!,
      profile.personalOpens[slot]! + weight,
    );
  return profile;
}

/**
 * Compact form for storage: counts to 3 significant decimals, zeros as empty (≈ 1–2 KB); the
 * personal counts only when there are any.
 */
export function serializeProfile(p: EngagementProfile): string {
  const pack = (xs: number[]) =>
    xs.map((x) => (x < 0.0005 ? "" : String(Math.round(x * 1000) / 1000))).join(",");
  const personal = p.personalSends.some((x) => x >= 0.0005)
    ? { ps: pack(p.personalSends), po: pack(p.personalOpens) }
    : {};
  return JSON.stringify({ v: 1, t: p.asOf, s: pack(p.sends), o: pack(p.opens), ...personal });
}

export function parseProfile(text: string | null | undefined): EngagementProfile {
  if (!text) return emptyProfile();
  const raw = JSON.parse(text) as { t: number; s: string; o: string; ps?: string; po?: string };
  const unpack = (s: string | undefined) =>
    s === undefined ? new Array<number>(SLOTS).fill(0) : s.split(",").map((x) => (x === "" ? 0 : Number(x)));
  return {
    asOf: raw.t,
    sends: unpack(raw.s),
    opens: unpack(raw.o),
    personalSends: unpack(raw.ps),
    personalOpens: unpack(raw.po),
  };
}

export function totals(p: EngagementProfile): { sends: number; opens: number; personalSends: number } {
  let sends = 0;
  let opens = 0;
  let personalSends = 0;
  for (let s = 0; s < SLOTS; s++) {
    sends += p.sends[s]!;
    opens += p.opens[s]!;
    personalSends += p.personalSends[s]!;
  }
  return { sends, opens, personalSends };
}

/** The part of a profile whose send hours did not depend on the user's own history. */
export function withoutPersonal(p: EngagementProfile): EngagementProfile {
  return {
    ...emptyProfile(),
    asOf: p.asOf,
    sends: p.sends.map((n, s) => Math.max(0, n - p.personalSends[s]!)),
    opens: p.opens.map((k, s) => Math.max(0, k - p.personalOpens[s]!)),
  };
}

/** Several profiles as one (all notification types of a user), decayed to the newest of them. */
export function mergeProfiles(profiles: EngagementProfile[]): EngagementProfile {
  const merged = emptyProfile();
  merged.asOf = Math.max(0, ...profiles.map((p) => p.asOf));
  for (const p of profiles) {
    const factor = decayFactor(merged.asOf - p.asOf);
    for (const key of COUNTS) for (let s = 0; s < SLOTS; s++) merged[key][s]! += p[key][s]! * factor;
  }
  return merged;
}
