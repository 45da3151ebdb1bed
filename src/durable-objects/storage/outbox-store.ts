import type { ExecutionFailure } from "../../lib/schedules/delivery";

/** What one flush takes from the outbox: schedule ids with the version marked, and dead letters. */
export interface OutboxBatch {
  index: { scheduleId: string; version: number }[];
  deadLetters: ExecutionFailure[];
}

/**
 * The object's outbox for D1 (the tenant-wide schedule index and dead letters). Writers add to it
 * inside the transaction of the change they describe; a flush takes a batch, writes it to D1 and
 * acknowledges exactly what it took, so a mark added while D1 was answering stays for the next one.
 */
export class OutboxStore {
  /**
   * When the oldest mark not yet flushed was made (null: nothing waits). Kept in memory so that
   * the common path asks no query; an object that restarts with a non-empty outbox sets it to 0.
   */
  waitingSince: number | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** The schedule changed in a column the index holds: its current row goes to D1 at the next flush. */
  markIndexed(scheduleId: string): void {
    this.sql.exec(
      `INSERT INTO index_outbox (schedule_id, version) VALUES (?, 1)
       ON CONFLICT (schedule_id) DO UPDATE SET version = version + 1`,
      scheduleId,
    );
    this.waitingSince ??= Date.now();
  }

  addDeadLetter(failure: ExecutionFailure): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO dead_letter_outbox (execution_id, failure) VALUES (?, ?)",
      failure.executionId,
      JSON.stringify(failure),
    );
    this.waitingSince ??= Date.now();
  }

  isEmpty(): boolean {
    return (
      this.sql
        .exec(
          `SELECT EXISTS (SELECT 1 FROM index_outbox) OR EXISTS (SELECT 1 FROM dead_letter_outbox) AS pending`,
        )
        .one().pending === 0
    );
  }

  take(limit: number): OutboxBatch {
    return {
      index: this.sql
        .exec<{ schedule_id: string; version: number }>(
          "SELECT schedule_id, version FROM index_outbox LIMIT ?",
          limit,
        )
        .toArray()
        .map((r) => ({ scheduleId: r.schedule_id, version: r.version })),
      deadLetters: this.sql
        .exec<{ failure: string }>("SELECT failure FROM dead_letter_outbox LIMIT ?", limit)
        .toArray()
        .map((r) => JSON.parse(r.failure) as ExecutionFailure),
    };
  }

  /** D1 has the batch: drop what it held, except marks made again since it was taken. */
  acknowledge(batch: OutboxBatch): void {
    for (const { scheduleId, version } of batch.index) {
      this.sql.exec("DELETE FROM index_outbox WHERE schedule_id = ? AND version = ?", scheduleId, version);
    }
    for (const failure of batch.deadLetters) {
      this.sql.exec("DELETE FROM dead_letter_outbox WHERE execution_id = ?", failure.executionId);
    }
  }
}
