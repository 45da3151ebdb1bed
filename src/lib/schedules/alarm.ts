/**
 * Invariant 2 in plain data: the alarm must equal the earliest wake time of any row (a pending row's
 * due time or an executing row's lease end). After a write that added and removed some wake times,
 * the new alarm is often known without asking SQLite:
 * - only additions: the earlier of the current alarm and the additions;
 * - removals that are all later than the current alarm: they were not the earliest, so the same.
 * Anything else (the earliest was removed, or the current alarm is unknown) needs a fresh MIN query.
 */
export type AlarmDecision = { next: number | null } | "recompute";

export function nextAlarmAfterChange(
  armedAt: number | null | undefined,
  removed: (number | null)[],
  added: (number | null)[],
): AlarmDecision {
  if (armedAt === undefined) return "recompute";
  const removedTimes = removed.filter((t): t is number => t !== null);
  if (removedTimes.some((t) => armedAt === null || t <= armedAt)) return "recompute";
  const candidates = [armedAt, ...added].filter((t): t is number => t !== null);
  return { next: candidates.length === 0 ? null : Math.min(...candidates) };
}

/** A row's wake time: when the object must next act on it, if ever. */
export function wakeTime(row: {
  status: string;
  dueAt: number | null;
  leaseUntil: number | null;
}): number | null {
  if (row.status === "pending") return row.dueAt;
  if (row.status === "executing") return row.leaseUntil;
  return null;
}
