import { indexEntryOfRow } from "../../lib/schedules/index-entry";
import { scheduleIndex } from "../../workers/db/schedule-index";
import { tenantStore } from "../../workers/db/tenant-store";
import type { OutboxStore } from "../storage/outbox-store";
import type { ScheduleStore } from "../storage/schedule-store";

/**
 * How long a mark waits before its flush: the changes of a burst (a bulk create, a run of alarms
 * during a campaign) go to D1 together, and D1 stays off the path of each write and each delivery.
 * This is how far the tenant-wide index may lag the objects.
 */
export const OUTBOX_FLUSH_DELAY_MS = 1_000;
/** While the object is busy delivering (a burst), marks wait this long before a run flushes them. */
const BUSY_FLUSH_DELAY_MS = 5_000;
/** Outbox rows per flush (the index writes 1,800 rows per D1 batch). */
const OUTBOX_BATCH = 1_800;
const MAX_BACKOFF_MS = 60_000;

/**
 * Moves the object's outbox to D1: index rows (each schedule as it is when flushed) and dead
 * letters, in batches, from the alarm. A D1 failure leaves the outbox as it was and backs off; it
 * never throws, so no delivery and no write ever waits for D1.
 */
export class OutboxRelay {
  #retryAt: number | null = null;
  #failures = 0;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly store: ScheduleStore,
    private readonly db: () => D1Database,
  ) {}

  /** When the alarm must come back to flush (null: nothing waits). */
  wakeTime(): number | null {
    const since = this.outbox.waitingSince;
    if (since === null) return null;
    return this.#retryAt ?? since + OUTBOX_FLUSH_DELAY_MS;
  }

  forget(): void {
    this.outbox.waitingSince = null;
    this.#retryAt = null;
    this.#failures = 0;
  }

  /**
   * From the alarm. A run that delivered nothing (it woke for the outbox, or was run early) flushes
   * what waits; a run that delivered flushes only marks older than BUSY_FLUSH_DELAY_MS, so that a
   * burst of firings is a few D1 writes per object, not one per firing.
   */
  async flushFromAlarm(owner: { tenantId: string; userId: string }, now: number, delivered: boolean) {
    const since = this.outbox.waitingSince;
    if (since === null) return;
    const due = delivered
      ? now - since >= BUSY_FLUSH_DELAY_MS || (this.#retryAt !== null && this.#retryAt <= now)
      : true;
    if (due) await this.flush(owner);
  }

  async flush(owner: { tenantId: string; userId: string }): Promise<void> {
    for (;;) {
      const batch = this.outbox.take(OUTBOX_BATCH);
      if (batch.index.length === 0 && batch.deadLetters.length === 0) {
        this.forget();
        return;
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
        return;
      }
      this.outbox.acknowledge(batch);
      this.#failures = 0;
      this.#retryAt = null;
      const full = batch.index.length === OUTBOX_BATCH || batch.deadLetters.length === OUTBOX_BATCH;
      if (!full) {
        // Marks made while D1 answered wait for the next flush, like any new mark.
        if (this.outbox.isEmpty()) this.forget();
        else this.outbox.waitingSince = Date.now();
        return;
      }
    }
  }
}
