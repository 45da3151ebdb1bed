import { slotOf } from "../../lib/optimizer/resolve";
import { wakeTime } from "../../lib/schedules/alarm";
import type { CommandFailure } from "../../lib/schedules/commands";
import type { DeliveryOutcome, ExecutionFailure, OutcomeReceipt } from "../../lib/schedules/delivery";
import { isCurrentAttempt, type ScheduleRow } from "../../lib/schedules/rows";
import { outcomeChanges } from "../../lib/schedules/transitions";
import type { EngagementStore } from "../storage/engagement-store";
import type { OutboxStore } from "../storage/outbox-store";
import type { ScheduleStore } from "../storage/schedule-store";

/** The wake times a write removed and added (the object re-arms its alarm from them). */
export interface WakeChange {
  removed: (number | null)[];
  added: (number | null)[];
}

/** What a write answers, and how the object's alarm must follow. */
export interface Written<T> {
  result: T;
  change?: WakeChange;
}

type AttemptRef = { scheduleId: string; executionId: string; attempt: number };

/**
 * What the executor and the tenant report back about attempts: outcomes, lease renewals, deferrals
 * while a circuit is open, undeliverable messages, and delivery or engagement events. Each is one
 * synchronous change of the user's SQLite; the object (UserScheduler) re-arms its alarm from the
 * wake change it gets back, so every write still goes through its bookkeeping. An execution that
 * fails leaves its dead letter in the outbox in the same transaction.
 */
export class AttemptReports {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly store: ScheduleStore,
    private readonly engagement: EngagementStore,
    private readonly outbox: OutboxStore,
  ) {}

  /** The executor's report of one attempt. A report for any attempt but the current one is stale. */
  outcome(userId: string, outcome: DeliveryOutcome): Written<OutcomeReceipt> {
    const row = this.store.get(outcome.scheduleId);
    if (!row || !isCurrentAttempt(row, outcome)) return { result: { applied: false } };
    // Only a failure asks how many attempts were lost: the common success path stays one read.
    const lost =
      outcome.httpStatus !== null && outcome.httpStatus < 300
        ? 0
        : this.store.lostAttempts(row.id, outcome.executionId);
    const changes = outcomeChanges(row, outcome, Date.now(), Math.random(), lost);
    this.storage.transactionSync(() => {
      this.store.updateAttempt(row.id, outcome.executionId, outcome.attempt, changes.attempt);
      this.store.update(row.id, changes.schedule);
      this.#deadLetterIfFailed(userId, { ...row, ...changes.schedule }, outcome);
    });
    return {
      result: { applied: true },
      change: { removed: [wakeTime(row)], added: [wakeTime({ ...row, ...changes.schedule })] },
    };
  }

  /**
   * A message that waited long in the Queue asks before it delivers: is its attempt still the
   * current one? If so its lease starts again now (it is being delivered, not lost); if not, the
   * alarm already sent a newer attempt and this one must not reach the webhook twice.
   */
  renewLease(attempt: AttemptRef, leaseMs: number): Written<boolean> {
    const row = this.store.get(attempt.scheduleId);
    if (!row || !isCurrentAttempt(row, attempt)) return { result: false };
    const leaseUntil = Date.now() + leaseMs;
    this.store.update(row.id, { leaseUntil });
    return { result: true, change: { removed: [row.leaseUntil], added: [leaseUntil] } };
  }

  /**
   * The endpoint's circuit is open: this attempt never reached the webhook, so it is not counted.
   * The row waits as pending until the circuit may let a probe through (same execution, same
   * attempt number next time), owned by the alarm like any retry.
   */
  defer(attempt: AttemptRef & { until: number }): Written<boolean> {
    const row = this.store.get(attempt.scheduleId);
    if (!row || !isCurrentAttempt(row, attempt)) return { result: false };
    const deferred = {
      status: "pending",
      attempts: row.attempts - 1,
      dueAt: attempt.until,
      leaseUntil: null,
      updatedAt: Date.now(),
    } satisfies Partial<ScheduleRow>;
    this.storage.transactionSync(() => {
      this.store.deleteAttempt(row.id, attempt.executionId, attempt.attempt);
      this.store.update(row.id, deferred);
    });
    return { result: true, change: { removed: [wakeTime(row)], added: [attempt.until] } };
  }

  /**
   * The executor could not process an attempt at all (the Queue gave up on its message): the
   * schedule fails with that reason, unless it already moved on.
   */
  undeliverable(userId: string, attempt: AttemptRef & { reason: string }): Written<OutcomeReceipt> {
    const row = this.store.get(attempt.scheduleId);
    if (!row || !isCurrentAttempt(row, attempt)) return { result: { applied: false } };
    const now = Date.now();
    const failed = {
      status: "failed",
      leaseUntil: null,
      executedAt: now,
      failureReason: attempt.reason,
      updatedAt: now,
    } satisfies Partial<ScheduleRow>;
    this.storage.transactionSync(() => {
      this.store.updateAttempt(row.id, attempt.executionId, attempt.attempt, {
        status: "failed",
        finishedAt: now,
        error: attempt.reason,
      });
      this.store.update(row.id, failed);
      this.#deadLetterIfFailed(userId, { ...row, ...failed }, attempt);
    });
    return {
      result: { applied: true },
      change: { removed: [wakeTime(row)], added: [] },
    };
  }

  /** Into the outbox with the change that failed it (the caller's transaction). */
  #deadLetterIfFailed(userId: string, row: ScheduleRow, report: { executionId: string; attempt: number }) {
    const failure = this.failureOf(userId, row, report);
    if (failure) this.outbox.addDeadLetter(failure);
  }

  /** A failed row of exactly this execution and attempt, as a dead letter; otherwise undefined. */
  failureOf(
    userId: string,
    row: ScheduleRow,
    report: { executionId: string; attempt: number },
  ): ExecutionFailure | undefined {
    if (row.status !== "failed" || row.executionId !== report.executionId || row.attempts !== report.attempt)
      return;
    const last = this.store.attemptsOf(row.id).at(-1);
    return {
      scheduleId: row.id,
      executionId: row.executionId,
      userId,
      notificationId: row.notificationId,
      reason: row.failureReason ?? "failed",
      attempts: row.attempts,
      lastHttpStatus: last?.httpStatus ?? null,
      failedAt: row.executedAt ?? row.updatedAt,
    };
  }

  /**
   * A delivery or engagement event the tenant reports back. It names an execution, or else the
   * schedule's latest one; a schedule that never fired cannot have been delivered or opened.
   */
  deliveryEvent(report: {
    scheduleId: string;
    executionId?: string;
    event: string;
    at: number;
  }): { ok: true; recorded: boolean; profiles: Record<string, string> } | CommandFailure {
    const row = this.store.get(report.scheduleId);
    if (!row) return { ok: false, code: "not_found", detail: `no schedule ${report.scheduleId}` };
    const executionId = report.executionId ?? row.executionId;
    if (!executionId) {
      return { ok: false, code: "invalid_state", detail: `schedule ${row.id} has not fired yet` };
    }
    if (
      executionId !== row.executionId &&
      !this.store.attemptsOf(row.id).some((a) => a.executionId === executionId)
    ) {
      return {
        ok: false,
        code: "validation_error",
        detail: `executionId ${executionId} is not an execution of schedule ${row.id}`,
        errors: [{ path: "executionId", message: "is not an execution of this schedule" }],
      };
    }
    const recorded = this.store.recordDeliveryEvent({
      scheduleId: row.id,
      executionId,
      event: report.event,
      at: report.at,
      receivedAt: Date.now(),
    });
    let profiles: Record<string, string> = {};
    if (recorded && (report.event === "opened" || report.event === "clicked")) {
      profiles = Object.fromEntries(
        this.storage.transactionSync(() =>
          this.engagement.apply(
            [{ type: row.notificationId, event: "opened", at: report.at, sendKey: row.id }],
            (at) => slotOf(at, row.timezone),
            Date.now(),
          ),
        ),
      );
    }
    return { ok: true, recorded, profiles };
  }
}
