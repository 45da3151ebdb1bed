import { and, asc, desc, eq, getTableColumns, gt, gte, lte, or, type SQL, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { bindParams, rowReader, StatementCache } from "../../lib/db/compiled";
import { attempts, deliveryEvents, schedules } from "../../lib/db/user-schema";
import type { ListQuery } from "../../lib/schedules/commands";
import type { AttemptRow, ScheduleRow } from "../../lib/schedules/rows";
import type { OutboxStore } from "./outbox-store";

const statements = new StatementCache();
const readSchedule = rowReader(schedules);
const readAttempt = rowReader(attempts);
const p = (name: string) => sql.placeholder(name);

/** The columns the tenant-wide schedule index copies (its journey columns never change). */
const INDEXED_COLUMNS: readonly (keyof ScheduleRow)[] = ["status", "scheduledTime", "notificationId"];

/**
 * Every query a UserScheduler runs on its own SQLite. The hot ones (create, claim, report) are
 * compiled once per isolate; listings build their dynamic filters per call. Every insert, and every
 * update of a column the tenant-wide index copies, marks the row in the outbox within the same
 * transaction: no caller can change a schedule and forget the index.
 */
export class ScheduleStore {
  constructor(
    private readonly db: DrizzleSqliteDODatabase,
    private readonly storage: SqlStorage,
    private readonly outbox: OutboxStore,
  ) {}

  #run(
    name: string,
    build: () => { toSQL(): { sql: string; params: unknown[] } },
    values: Record<string, unknown>,
  ) {
    const statement = statements.get(name, build);
    return this.storage.exec(statement.sql, ...(bindParams(statement, values) as SqlStorageValue[]));
  }

  get(id: string): ScheduleRow | undefined {
    const raw = this.#run(
      "schedule.get",
      () =>
        this.db
          .select()
          .from(schedules)
          .where(eq(schedules.id, p("id"))),
      {
        id,
      },
    ).toArray()[0];
    return raw ? readSchedule(raw) : undefined;
  }

  insert(row: ScheduleRow): void {
    const columns = Object.keys(getTableColumns(schedules)) as (keyof ScheduleRow)[];
    this.#run(
      "schedule.insert",
      () =>
        this.db
          .insert(schedules)
          .values(Object.fromEntries(columns.map((c) => [c, p(c)])) as unknown as ScheduleRow),
      row,
    );
    this.outbox.markIndexed(row.id);
  }

  /** One compiled statement per set of changed columns (a handful of shapes in practice). */
  update(id: string, changes: Partial<ScheduleRow>): void {
    const keys = Object.keys(changes).sort() as (keyof ScheduleRow)[];
    this.#run(
      `schedule.update:${keys.join(",")}`,
      () =>
        this.db
          .update(schedules)
          .set(Object.fromEntries(keys.map((k) => [k, p(k)])))
          .where(eq(schedules.id, p("__id"))),
      { ...changes, __id: id },
    );
    // "executing" lasts one delivery: the index learns the outcome instead (one mark, not two).
    if (changes.status !== "executing" && INDEXED_COLUMNS.some((column) => column in changes)) {
      this.outbox.markIndexed(id);
    }
  }

  /** Pending rows whose time has come: the most urgent first, then the earliest. */
  due(now: number, limit: number): ScheduleRow[] {
    return this.#run(
      "schedule.due",
      () =>
        this.db
          .select()
          .from(schedules)
          .where(and(eq(schedules.status, "pending"), lte(schedules.dueAt, p("now"))))
          .orderBy(desc(schedules.priority), asc(schedules.dueAt))
          .limit(p("limit")),
      { now, limit },
    )
      .toArray()
      .map(readSchedule);
  }

  /** When the user's live or sent schedules fall between two instants (for the frequency cap). */
  scheduleTimesBetween(from: number, to: number): number[] {
    return this.storage
      .exec<{ t: number }>(
        `SELECT scheduled_time AS t FROM schedules
         WHERE scheduled_time BETWEEN ? AND ? AND status IN ('pending', 'paused', 'executing', 'completed')`,
        from,
        to,
      )
      .toArray()
      .map((r) => r.t);
  }

  /** A pattern's instances that have not fired: pending or paused. */
  unfiredOfPattern(patternId: string): string[] {
    return this.#unfiredWhere("recurring_pattern_id = ?", patternId);
  }

  /** A campaign's schedules in the given statuses (pause: pending; resume: paused; cancel: both). */
  ofCampaign(campaignId: string, statuses: string[]): ScheduleRow[] {
    return this.storage
      .exec(
        `SELECT * FROM schedules WHERE campaign_id = ? AND status IN (${statuses.map(() => "?").join(",")})`,
        campaignId,
        ...statuses,
      )
      .toArray()
      .map(readSchedule);
  }

  /** Unfired schedules of one origin (a drip enrollment's remaining steps). */
  unfiredOfOrigin(origin: string): string[] {
    return this.#unfiredWhere("origin = ?", origin);
  }

  #unfiredWhere(condition: string, value: string): string[] {
    return this.storage
      .exec<{ id: string }>(
        `SELECT id FROM schedules WHERE ${condition} AND status IN ('pending', 'paused')`,
        value,
      )
      .toArray()
      .map((r) => r.id);
  }

  /** Whether the tenant reported an open or click of the schedule (delivery callback). */
  wasOpened(scheduleId: string): boolean {
    return (
      this.storage
        .exec(
          "SELECT 1 FROM delivery_events WHERE schedule_id = ? AND event IN ('opened', 'clicked') LIMIT 1",
          scheduleId,
        )
        .toArray().length > 0
    );
  }

  /** Executing rows whose lease ran out: their attempt is presumed lost. */
  leaseExpired(now: number, limit: number): ScheduleRow[] {
    return this.#run(
      "schedule.leaseExpired",
      () =>
        this.db
          .select()
          .from(schedules)
          .where(and(eq(schedules.status, "executing"), lte(schedules.leaseUntil, p("now"))))
          .limit(p("limit")),
      { now, limit },
    )
      .toArray()
      .map(readSchedule);
  }

  /** The earliest due time of a pending row and the earliest lease end of an executing row. */
  wakeTimes(): { due: number | null; lease: number | null } {
    return this.storage
      .exec<{ due: number | null; lease: number | null }>(
        `SELECT (SELECT MIN(due_at) FROM schedules WHERE status = 'pending') AS due,
                (SELECT MIN(lease_until) FROM schedules WHERE status = 'executing') AS lease`,
      )
      .one();
  }

  list(query: ListQuery): { rows: ScheduleRow[]; hasMore: boolean } {
    const filters: SQL[] = [];
    if (query.status) filters.push(eq(schedules.status, query.status));
    if (query.from !== undefined) filters.push(gte(schedules.scheduledTime, query.from));
    if (query.to !== undefined) filters.push(lte(schedules.scheduledTime, query.to));
    if (query.after) {
      const { scheduledTime, id } = query.after;
      filters.push(
        or(
          gt(schedules.scheduledTime, scheduledTime),
          and(eq(schedules.scheduledTime, scheduledTime), gt(schedules.id, id)),
        )!,
      );
    }
    const rows = this.db
      .select()
      .from(schedules)
      .where(and(...filters))
      .orderBy(asc(schedules.scheduledTime), asc(schedules.id))
      .limit(query.limit + 1)
      .all();
    return { rows: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
  }

  insertAttempt(row: Omit<AttemptRow, "finishedAt" | "durationMs" | "httpStatus" | "error">): void {
    this.#run(
      "attempt.insert",
      () =>
        this.db.insert(attempts).values({
          id: p("id"),
          scheduleId: p("scheduleId"),
          executionId: p("executionId"),
          attempt: p("attempt"),
          status: p("status"),
          startedAt: p("startedAt"),
        }),
      row,
    );
  }

  updateAttempt(
    scheduleId: string,
    executionId: string,
    attempt: number,
    changes: Partial<AttemptRow>,
  ): void {
    const keys = Object.keys(changes).sort() as (keyof AttemptRow)[];
    this.#run(
      `attempt.update:${keys.join(",")}`,
      () =>
        this.db
          .update(attempts)
          .set(Object.fromEntries(keys.map((k) => [k, p(k)])))
          .where(
            and(
              eq(attempts.scheduleId, p("__scheduleId")),
              eq(attempts.executionId, p("__executionId")),
              eq(attempts.attempt, p("__attempt")),
            ),
          ),
      { ...changes, __scheduleId: scheduleId, __executionId: executionId, __attempt: attempt },
    );
  }

  /** An attempt that never reached the webhook (the endpoint's circuit was open): no history. */
  deleteAttempt(scheduleId: string, executionId: string, attempt: number): void {
    this.#run(
      "attempt.delete",
      () =>
        this.db
          .delete(attempts)
          .where(
            and(
              eq(attempts.scheduleId, p("scheduleId")),
              eq(attempts.executionId, p("executionId")),
              eq(attempts.attempt, p("attempt")),
            ),
          ),
      { scheduleId, executionId, attempt },
    );
  }

  /**
   * Bounded history: at most `keep` attempts per schedule (requeued dead letters add executions)
   * and none finished before `finishedBefore`.
   */
  pruneAttempts(scheduleId: string | null, keep: number, finishedBefore: number): void {
    if (scheduleId) {
      this.storage.exec(
        `DELETE FROM attempts WHERE schedule_id = ?1 AND id NOT IN
           (SELECT id FROM attempts WHERE schedule_id = ?1 ORDER BY started_at DESC, attempt DESC LIMIT ?2)`,
        scheduleId,
        keep,
      );
    }
    this.storage.exec("DELETE FROM attempts WHERE finished_at < ?", finishedBefore);
  }

  /** Attempts of an execution whose lease ran out without a report (lost on our side). */
  lostAttempts(scheduleId: string, executionId: string): number {
    return this.storage
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM attempts WHERE schedule_id = ? AND execution_id = ? AND status = 'timeout'",
        scheduleId,
        executionId,
      )
      .one().n;
  }

  /** The first report of each event per execution counts; a repeat writes nothing (returns false). */
  recordDeliveryEvent(event: typeof deliveryEvents.$inferInsert): boolean {
    const cursor = this.#run(
      "event.insert",
      () =>
        this.db
          .insert(deliveryEvents)
          .values({
            scheduleId: p("scheduleId"),
            executionId: p("executionId"),
            event: p("event"),
            at: p("at"),
            receivedAt: p("receivedAt"),
          })
          .onConflictDoNothing(),
      event,
    );
    cursor.toArray();
    return cursor.rowsWritten > 0;
  }

  attemptsOf(scheduleId: string): AttemptRow[] {
    return this.#run(
      "attempt.list",
      () =>
        this.db
          .select()
          .from(attempts)
          .where(eq(attempts.scheduleId, p("id")))
          .orderBy(asc(attempts.startedAt), asc(attempts.attempt)),
      { id: scheduleId },
    )
      .toArray()
      .map(readAttempt);
  }
}
