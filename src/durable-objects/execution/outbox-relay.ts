import { indexEntryOfRow } from "../../lib/schedules/index-entry";
import { scheduleIndex } from "../../workers/db/schedule-index";
import { tenantStore } from "../../workers/db/tenant-store";
import type { OutboxStore } from "../storage/outbox-store";
import type { ScheduleStore } from "../storage/schedule-store";

/** Outbox rows per flush (the index writes 1,800 rows per D1 batch). */
const OUTBOX_BATCH = 1_800;
const MAX_BACKOFF_MS = 60_000;
/**
 * Marks made by an alarm run that delivered wait this long for the next run (or an alarm of their
 * own): measured at 10,000 due in 30 s, a flush per firing gave p99 12.8 s, this 7.6 s. It bounds
 * how long the index shows a delivered schedule as pending.
 */
export const BUSY_FLUSH_DELAY_MS = 5_000;

/**
 * Moves the object's outbox to D1: index rows (each schedule as it is when flushed) and dead
 * letters, in batches. A write's marks are flushed right after it, in the background (kept alive by
 * waitUntil, joined by later writes while under way): measured, an alarm woken only to flush cost
 * more than the D1 write itself (many-user creates fell from 626 to 158 a second). A delivering
 * alarm run's marks wait BUSY_FLUSH_DELAY_MS, for a later run or an alarm of their own. A D1
 * failure leaves the outbox as it was and backs off through the alarm; nothing ever waits for D1
 * or fails because of it.
 */
export class OutboxRelay {
  #retryAt: number | null = null;
  #failures = 0;
  #flushing = false;
  /** The marks waiting were made by alarm runs that delivered: they wait BUSY_FLUSH_DELAY_MS. */
  #fromDeliveries = false;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly store: ScheduleStore,
    private readonly db: () => D1Database,
  ) {}

  /** When the alarm must come back for the outbox: a retry, or marks left by delivering runs. */
  wakeTime(): number | null {
    const since = this.outbox.waitingSince;
    if (since === null) return null;
    return this.#retryAt ?? (this.#fromDeliveries ? since + BUSY_FLUSH_DELAY_MS : null);
  }

  /**
   * At the end of an alarm run: one that delivered leaves its marks to wait (so that a burst is a
   * D1 write per object every few seconds, not one per firing); any other flushes what waits.
   */
  async flushAfterRun(owner: { tenantId: string; userId: string }, now: number, delivered: boolean) {
    const since = this.outbox.waitingSince;
    if (since === null) return;
    const retryDue = this.#retryAt !== null && this.#retryAt <= now;
    if (delivered && now - since < BUSY_FLUSH_DELAY_MS && !retryDue) {
      this.#fromDeliveries = true;
      return;
    }
    await this.flush(owner);
  }

  /** A write's marks wait, no flush is under way, and none is backing off. */
  get ready(): boolean {
    return (
      this.outbox.waitingSince !== null && !this.#flushing && this.#retryAt === null && !this.#fromDeliveries
    );
  }

  forget(): void {
    this.outbox.waitingSince = null;
    this.#retryAt = null;
    this.#failures = 0;
    this.#fromDeliveries = false;
  }

  /** Flush what waits; answers false when D1 failed (the alarm then retries at wakeTime). */
  async flush(owner: { tenantId: string; userId: string }): Promise<boolean> {
    if (this.#flushing) return true;
    this.#flushing = true;
    try {
      return await this.#flush(owner);
    } finally {
      this.#flushing = false;
    }
  }

  async #flush(owner: { tenantId: string; userId: string }): Promise<boolean> {
    for (;;) {
      const batch = this.outbox.take(OUTBOX_BATCH);
      if (batch.index.length === 0 && batch.deadLetters.length === 0) {
        this.forget();
        return true;
      }
      const entries = batch.index.flatMap(({ scheduleId }) => {
        const row = this.store.get(scheduleId);
        return row ? [indexEntryOfRow(row, owner.userId)] : [];
      });
      try {
        await scheduleIndex(this.db(), owner.tenantId).upsert(entries);
        await tenantStore(this.db(), owner.tenantId).recordDeadLetters(batch.deadLetters);
      } catch (error) {
        const delay = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** this.#failures++);
        this.#retryAt = Date.now() + delay;
        console.error(
          JSON.stringify({
            msg: "outbox flush to D1 failed",
            ...owner,
            retryInMs: delay,
            error: String(error),
          }),
        );
        return false;
      }
      this.outbox.acknowledge(batch);
      this.#failures = 0;
      this.#retryAt = null;
      // Marks made while D1 answered go in the next round.
      if (this.outbox.isEmpty()) {
        this.forget();
        return true;
      }
    }
  }
}
