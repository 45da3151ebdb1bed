import { newId } from "../../lib/ids";
import type { ScheduleRow } from "../../lib/schedules/rows";
import { claimChanges } from "../../lib/schedules/transitions";
import type { ScheduleStore } from "../storage/schedule-store";

/** Due rows claimed per alarm run; more due rows re-arm the alarm at once. */
export const CLAIM_BATCH = 500;
/** An execution whose attempt was lost this often (leases expired unreported) fails. */
export const MAX_LOST_ATTEMPTS = 5;

export interface Claims {
  /** New attempts, leased, to hand to the Queue. */
  claimed: { row: ScheduleRow; executionId: string; attempt: number }[];
  /** Executions given up after MAX_LOST_ATTEMPTS lost attempts: failed. */
  abandoned: ScheduleRow[];
  /** Due rows whose conditions do not hold: cancelled, not sent. */
  skipped: ScheduleRow[];
}

/**
 * Claim what is due, inside the caller's transaction: pending rows whose time has come (priority
 * first, then time) and executing rows whose lease expired (their attempt is presumed lost). Each
 * becomes a new attempt of the same execution, leased. A due row whose condition fails is
 * cancelled with the reason instead.
 */
export function claimDueRows(
  store: ScheduleStore,
  now: number,
  options: {
    leaseMs: number;
    /** Most alarms are for due rows: look for lost attempts only when a lease may have ended. */
    lookForLost: boolean;
    conditionNotMet: (row: ScheduleRow) => string | null;
  },
): Claims {
  const out: Claims = { claimed: [], abandoned: [], skipped: [] };
  const due = store.due(now, CLAIM_BATCH).filter((row) => {
    const reason = row.conditions ? options.conditionNotMet(row) : null;
    if (reason === null) return true;
    const changes = { status: "cancelled", dueAt: null, failureReason: reason, updatedAt: now };
    store.update(row.id, changes);
    out.skipped.push({ ...row, ...changes });
    return false;
  });
  const resend: ScheduleRow[] = [];
  for (const row of options.lookForLost ? store.leaseExpired(now, CLAIM_BATCH) : []) {
    store.updateAttempt(row.id, row.executionId!, row.attempts, {
      status: "timeout",
      finishedAt: now,
      error: "lease expired without a result",
    });
    // Lost attempts do not use the retry budget, but an attempt lost again and again is a fault.
    if (store.lostAttempts(row.id, row.executionId!) >= MAX_LOST_ATTEMPTS) {
      const failed = {
        status: "failed",
        leaseUntil: null,
        executedAt: now,
        failureReason: `the executor lost this attempt ${MAX_LOST_ATTEMPTS} times (lease expired, no report)`,
        updatedAt: now,
      };
      store.update(row.id, failed);
      out.abandoned.push({ ...row, ...failed });
    } else resend.push(row);
  }
  for (const row of [...due, ...resend]) {
    const executionId = row.executionId ?? newId("exe");
    const attempt = row.attempts + 1;
    store.update(row.id, claimChanges(row, executionId, now, options.leaseMs));
    store.insertAttempt({
      id: newId("att"),
      scheduleId: row.id,
      executionId,
      attempt,
      status: "started",
      startedAt: now,
    });
    out.claimed.push({ row, executionId, attempt });
  }
  return out;
}
