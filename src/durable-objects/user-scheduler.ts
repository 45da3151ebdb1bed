import { DurableObject } from "cloudflare:workers";
import { and, asc, desc, eq, getTableColumns, gt, gte, lte, or, type SQL, sql } from "drizzle-orm";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { attempts, schedules, USER_SCHEMA_DDL } from "../lib/db/user-schema";
import { newId, newScheduleId } from "../lib/ids";
import type { JsonObject } from "../lib/json";
import { classifyDelivery, hasRetryLeft, retryDelayMs } from "../lib/retry/policy";
import type {
  CommandFailure,
  CreateResult,
  CreateScheduleCommand,
  ListQuery,
  SchedulePatch,
  ScheduleResult,
  UserSettings,
} from "../lib/schedules/commands";
import { chunkForQueue, type DeliveryOutcome, type ExecutionMessage } from "../lib/schedules/delivery";
import { allows, type RetryConfig, type ScheduleAction, type ScheduleStatus } from "../lib/schedules/model";
import { isPlanFailure, planScheduledTime } from "../lib/schedules/plan";
import { attemptView, isCurrentAttempt, rowToSchedule, type ScheduleRow } from "../lib/schedules/rows";
import { scheduleView } from "../lib/schedules/view";
import { formatInstant } from "../lib/time/zones";
import { type Env, numberVar } from "../workers/env";

export interface Owner {
  tenantId: string;
  userId: string;
}

/** Due rows claimed per alarm run; more due rows re-arm the alarm at once. */
const CLAIM_BATCH = 500;

/**
 * One object per (tenant, user): the user's schedules, attempts and settings in SQLite, and one
 * alarm that always equals the earliest thing the object must do (a due row, a retry, a lease).
 */
export class UserScheduler extends DurableObject<Env> {
  readonly #db: DrizzleSqliteDODatabase;
  #owner: Owner | null;
  /** The user's settings (read on every create for the default timezone). */
  #settings: UserSettings | null;
  /** Last alarm time this instance set (undefined: unknown since start-up). */
  #armedAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#db = drizzle(ctx.storage);
    // One read brings the schema version, the owner and the user's settings into memory.
    const stored = this.#readMeta();
    this.#migrate(Number(stored.schema_version ?? 0));
    this.#owner =
      stored.tenant_id && stored.user_id ? { tenantId: stored.tenant_id, userId: stored.user_id } : null;
    this.#settings = stored.user_settings ? (JSON.parse(stored.user_settings) as UserSettings) : null;
  }

  /** The small key-value table (schema_version, tenant_id, user_id, user_settings); {} when absent. */
  #readMeta(): Record<string, string> {
    const sql = this.ctx.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray().length === 0)
      return {};
    const rows = sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  #writeMeta(entries: Record<string, string>): void {
    for (const [key, value] of Object.entries(entries)) {
      this.ctx.storage.sql.exec(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key,
        value,
      );
    }
  }

  /**
   * Versioned schema, applied before the first call is served. Most objects are brand new (one per
   * user), so the missing steps go to SQLite as one multi-statement exec: new objects are the cost
   * that bounds how fast a campaign or a bulk import can fan out.
   */
  #migrate(version: number): void {
    const sql = this.ctx.storage.sql;
    if (version >= USER_SCHEMA_DDL.length) return;
    const steps = USER_SCHEMA_DDL.slice(version).flat();
    this.ctx.storage.transactionSync(() => {
      sql.exec(
        [
          ...steps,
          `INSERT INTO meta (key, value) VALUES ('schema_version', '${USER_SCHEMA_DDL.length}')
             ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        ].join(";\n"),
      );
    });
  }

  /**
   * Every call names its owner; the first write records it and later calls must match (a tenant's
   * object can never answer for another tenant). Returns false for an object that holds nothing.
   */
  #bindOwner(owner: Owner, create: boolean): boolean {
    const stored = this.#owner;
    if (stored) {
      if (stored.tenantId !== owner.tenantId || stored.userId !== owner.userId) {
        throw new Error("UserScheduler called for a different owner than it stores");
      }
      return true;
    }
    if (!create) return false;
    this.#writeMeta({ tenant_id: owner.tenantId, user_id: owner.userId });
    this.#owner = owner;
    return true;
  }

  /** Health probe: a round trip that touches storage. */
  async ping(): Promise<number> {
    return this.ctx.storage.sql.exec<{ one: number }>("SELECT 1 AS one").one().one;
  }

  // ---- users ---------------------------------------------------------------------------------

  async getUser(owner: Owner): Promise<UserSettings | null> {
    if (!this.#bindOwner(owner, false)) return null;
    return this.#userSettings();
  }

  #userSettings(): UserSettings | null {
    return this.#settings;
  }

  async putUser(owner: Owner, settings: UserSettings): Promise<UserSettings> {
    this.#bindOwner(owner, true);
    this.#writeMeta({ user_settings: JSON.stringify(settings) });
    this.#settings = settings;
    return settings;
  }

  /** GDPR erase: every schedule, attempt and setting of the user goes; the object starts empty. */
  async eraseUser(owner: Owner): Promise<void> {
    if (!this.#bindOwner(owner, false)) return;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#owner = null;
    this.#settings = null;
    this.#armedAt = null;
    this.#migrate(0);
  }

  // ---- schedules -----------------------------------------------------------------------------

  async createSchedules(
    owner: Owner,
    commands: CreateScheduleCommand[],
    tenantTimezone: string | null,
  ): Promise<CreateResult[]> {
    this.#bindOwner(owner, true);
    const defaults = { userTimezone: this.#userSettings()?.timezone ?? null, tenantTimezone };
    const now = Date.now();
    const results: CreateResult[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const command of commands) {
        const planned = planScheduledTime(command.scheduledTime, command.timezone, defaults, now);
        if (isPlanFailure(planned)) {
          results.push({
            ok: false,
            code: planned.code,
            detail: describe(planned.errors),
            errors: planned.errors,
          });
          continue;
        }
        const row: ScheduleRow = {
          id: newScheduleId(owner.userId),
          notificationId: command.notificationId,
          scheduledTime: planned.scheduledTime,
          dueAt: planned.scheduledTime,
          timezone: planned.timezone,
          status: "pending",
          priority: command.priority,
          retryConfig: JSON.stringify(command.retryConfig),
          payload: JSON.stringify(command.payload ?? {}),
          metadata: JSON.stringify(command.metadata ?? {}),
          attempts: 0,
          recurringPatternId: command.recurringPatternId ?? null,
          campaignId: command.campaignId ?? null,
          sendTimeSource: "fixed",
          idempotencyKey: command.idempotencyKey ?? null,
          executionId: null,
          leaseUntil: null,
          createdAt: now,
          updatedAt: now,
          executedAt: null,
          failureReason: null,
        };
        insertSchedule(this.#db, this.ctx.storage.sql, row);
        results.push({
          ok: true,
          schedule: scheduleView(rowToSchedule(row, owner.userId)),
          adjusted: planned.adjusted,
          ambiguous: planned.ambiguous,
        });
      }
    });
    await this.#armAlarm();
    return results;
  }

  async getSchedule(owner: Owner, id: string): Promise<ScheduleResult> {
    if (!this.#bindOwner(owner, false)) return notFound(id);
    const row = this.#row(id);
    return row ? { ok: true, schedule: scheduleView(rowToSchedule(row, owner.userId)) } : notFound(id);
  }

  async updateSchedule(owner: Owner, id: string, patch: SchedulePatch, tenantTimezone: string | null) {
    return this.#transition(owner, id, "modify", (row, now) => {
      const changes: Partial<ScheduleRow> = {};
      if (patch.scheduledTime !== undefined || patch.timezone !== undefined) {
        const defaults = { userTimezone: this.#userSettings()?.timezone ?? null, tenantTimezone };
        // A new zone without a new time keeps the instant and only changes how it is displayed.
        const planned = planScheduledTime(
          patch.scheduledTime ?? formatInstant(row.scheduledTime),
          patch.timezone ?? row.timezone,
          defaults,
          now,
        );
        if (isPlanFailure(planned))
          return { ok: false, code: planned.code, detail: describe(planned.errors), errors: planned.errors };
        changes.scheduledTime = planned.scheduledTime;
        changes.timezone = planned.timezone;
        if (row.status === "pending") changes.dueAt = planned.scheduledTime;
      }
      if (patch.priority !== undefined) changes.priority = patch.priority;
      if (patch.retryConfig !== undefined) changes.retryConfig = JSON.stringify(patch.retryConfig);
      if (patch.payload !== undefined) changes.payload = JSON.stringify(patch.payload);
      if (patch.metadata !== undefined) changes.metadata = JSON.stringify(patch.metadata);
      return changes;
    });
  }

  async pauseSchedule(owner: Owner, id: string) {
    return this.#transition(owner, id, "pause", () => ({ status: "paused", dueAt: null }), "paused");
  }

  async resumeSchedule(owner: Owner, id: string) {
    return this.#transition(
      owner,
      id,
      "resume",
      (row) => ({ status: "pending", dueAt: row.scheduledTime }),
      "pending",
    );
  }

  async cancelSchedule(owner: Owner, id: string) {
    return this.#transition(owner, id, "cancel", () => ({ status: "cancelled", dueAt: null }), "cancelled");
  }

  async executeScheduleNow(owner: Owner, id: string) {
    return this.#transition(owner, id, "executeNow", (_row, now) => ({ status: "pending", dueAt: now }));
  }

  /** Cancel many at once (bulk-cancel): one transaction, one alarm update. */
  async cancelSchedules(
    owner: Owner,
    ids: string[],
  ): Promise<Record<string, "cancelled" | "not_found" | "conflict">> {
    const out: Record<string, "cancelled" | "not_found" | "conflict"> = {};
    if (!this.#bindOwner(owner, false)) {
      for (const id of ids) out[id] = "not_found";
      return out;
    }
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const id of ids) {
        const row = this.#row(id);
        if (!row) out[id] = "not_found";
        else if (row.status === "cancelled") out[id] = "cancelled";
        else if (!allows("cancel", row.status as ScheduleStatus)) out[id] = "conflict";
        else {
          this.#db
            .update(schedules)
            .set({ status: "cancelled", dueAt: null, updatedAt: now })
            .where(eq(schedules.id, id))
            .run();
          out[id] = "cancelled";
        }
      }
    });
    await this.#armAlarm();
    return out;
  }

  /**
   * Apply one lifecycle action. `idempotentStatus`: a row already in that status answers success
   * unchanged (pausing a paused schedule, cancelling a cancelled one).
   */
  async #transition(
    owner: Owner,
    id: string,
    action: ScheduleAction,
    change: (row: ScheduleRow, now: number) => Partial<ScheduleRow> | CommandFailure,
    idempotentStatus?: ScheduleStatus,
  ): Promise<ScheduleResult> {
    if (!this.#bindOwner(owner, false)) return notFound(id);
    const row = this.#row(id);
    if (!row) return notFound(id);
    if (row.status !== idempotentStatus) {
      if (!allows(action, row.status as ScheduleStatus)) {
        return {
          ok: false,
          code: "invalid_state",
          detail: `cannot ${action} a schedule that is ${row.status}`,
        };
      }
      const now = Date.now();
      const changes = change(row, now);
      if ("ok" in changes) return changes;
      this.#db
        .update(schedules)
        .set({ ...changes, updatedAt: now })
        .where(eq(schedules.id, id))
        .run();
      await this.#armAlarm();
    }
    return { ok: true, schedule: scheduleView(rowToSchedule(this.#row(id)!, owner.userId)) };
  }

  async listSchedules(owner: Owner, query: ListQuery) {
    if (!this.#bindOwner(owner, false)) return { data: [], hasMore: false };
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
    const rows = this.#db
      .select()
      .from(schedules)
      .where(and(...filters))
      .orderBy(asc(schedules.scheduledTime), asc(schedules.id))
      .limit(query.limit + 1)
      .all();
    return {
      data: rows.slice(0, query.limit).map((r) => scheduleView(rowToSchedule(r, owner.userId))),
      hasMore: rows.length > query.limit,
    };
  }

  async listAttempts(owner: Owner, id: string) {
    if (!this.#bindOwner(owner, false) || !this.#row(id)) return null;
    return this.#db
      .select()
      .from(attempts)
      .where(eq(attempts.scheduleId, id))
      .orderBy(asc(attempts.attempt))
      .all()
      .map(attemptView);
  }

  #row(id: string): ScheduleRow | undefined {
    return this.#db.select().from(schedules).where(eq(schedules.id, id)).get();
  }

  // ---- firing --------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    if (!this.#owner) return;
    this.#armedAt = null; // the alarm that woke us is consumed
    const claimed = this.#claimDueSchedules(Date.now());
    try {
      for (const chunk of chunkForQueue(claimed)) {
        await this.env.EXECUTIONS.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
      }
    } catch (error) {
      // Not handed to the Queue: expire the leases so the next alarm sends them again.
      this.#expireLeases(claimed.map((m) => m.scheduleId));
      await this.#armAlarm();
      throw error;
    }
    await this.#armAlarm();
  }

  /**
   * Claim what is due: pending rows whose time has come (priority first, then time) and executing
   * rows whose lease expired (their attempt is presumed lost). Each becomes a new attempt of the
   * same execution, leased, in one transaction.
   */
  #claimDueSchedules(now: number): ExecutionMessage[] {
    const owner = this.#owner!;
    const leaseMs = numberVar(this.env.EXECUTION_LEASE_MS, 120_000);
    const messages: ExecutionMessage[] = [];
    this.ctx.storage.transactionSync(() => {
      const due = this.#db
        .select()
        .from(schedules)
        .where(and(eq(schedules.status, "pending"), lte(schedules.dueAt, now)))
        .orderBy(desc(schedules.priority), asc(schedules.dueAt))
        .limit(CLAIM_BATCH)
        .all();
      const lost = this.#db
        .select()
        .from(schedules)
        .where(and(eq(schedules.status, "executing"), lte(schedules.leaseUntil, now)))
        .limit(CLAIM_BATCH)
        .all();
      for (const row of lost) {
        this.#db
          .update(attempts)
          .set({ status: "timeout", finishedAt: now, error: "lease expired without a result" })
          .where(and(eq(attempts.scheduleId, row.id), eq(attempts.attempt, row.attempts)))
          .run();
      }
      for (const row of [...due, ...lost]) {
        const attempt = row.attempts + 1;
        const executionId = row.executionId ?? newId("exe");
        this.#db
          .update(schedules)
          .set({
            status: "executing",
            attempts: attempt,
            executionId,
            leaseUntil: now + leaseMs,
            dueAt: null,
            updatedAt: now,
          })
          .where(eq(schedules.id, row.id))
          .run();
        this.#db
          .insert(attempts)
          .values({
            id: newId("att"),
            scheduleId: row.id,
            executionId,
            attempt,
            status: "started",
            startedAt: now,
          })
          .run();
        messages.push({
          tenantId: owner.tenantId,
          userId: owner.userId,
          scheduleId: row.id,
          executionId,
          attempt,
          body: {
            type: "notification.due",
            scheduleId: row.id,
            executionId,
            userId: owner.userId,
            notificationId: row.notificationId,
            scheduledTime: formatInstant(row.scheduledTime),
            firedAt: formatInstant(now),
            attempt,
            priority: row.priority,
            payload: JSON.parse(row.payload) as JsonObject,
            metadata: JSON.parse(row.metadata) as JsonObject,
            campaignId: row.campaignId,
            recurringPatternId: row.recurringPatternId,
          },
        });
      }
    });
    return messages;
  }

  #expireLeases(ids: string[]): void {
    const now = Date.now();
    for (const id of ids) {
      this.#db
        .update(schedules)
        .set({ leaseUntil: now })
        .where(and(eq(schedules.id, id), eq(schedules.status, "executing")))
        .run();
    }
  }

  /** The executor's report of one attempt. A report for any attempt but the current one is stale. */
  async recordDeliveryOutcome(
    owner: Owner,
    outcome: DeliveryOutcome,
  ): Promise<{ applied: boolean; status?: string }> {
    if (!this.#bindOwner(owner, false)) return { applied: false };
    const row = this.#row(outcome.scheduleId);
    if (!row || !isCurrentAttempt(row, outcome)) return { applied: false };
    const verdict = classifyDelivery(outcome.httpStatus);
    const retryConfig = JSON.parse(row.retryConfig) as RetryConfig;
    const now = Date.now();
    let changes: Partial<ScheduleRow>;
    if (verdict === "delivered") {
      changes = {
        status: "completed",
        executedAt: outcome.finishedAt,
        leaseUntil: null,
        failureReason: null,
      };
    } else if (verdict === "retryable" && hasRetryLeft(retryConfig, row.attempts)) {
      const delay = retryDelayMs(retryConfig, row.attempts, Math.random(), outcome.retryAfterMs);
      changes = { status: "pending", dueAt: now + delay, leaseUntil: null };
    } else {
      const reason = outcome.error ?? `webhook answered HTTP ${outcome.httpStatus}`;
      changes = { status: "failed", executedAt: outcome.finishedAt, leaseUntil: null, failureReason: reason };
    }
    this.ctx.storage.transactionSync(() => {
      this.#db
        .update(attempts)
        .set({
          status: verdict === "delivered" ? "completed" : "failed",
          finishedAt: outcome.finishedAt,
          durationMs: outcome.finishedAt - outcome.startedAt,
          httpStatus: outcome.httpStatus,
          error: outcome.error,
        })
        .where(and(eq(attempts.scheduleId, row.id), eq(attempts.attempt, outcome.attempt)))
        .run();
      this.#db
        .update(schedules)
        .set({ ...changes, updatedAt: now })
        .where(eq(schedules.id, row.id))
        .run();
    });
    await this.#armAlarm();
    return { applied: true, status: changes.status };
  }

  /** Invariant 2: the alarm is never later than the earliest due row, retry or lease expiry. */
  async #armAlarm(): Promise<void> {
    const next = this.ctx.storage.sql
      .exec<{ t: number | null }>(
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(due_at) AS t FROM schedules WHERE status = 'pending'
           UNION ALL SELECT MIN(lease_until) FROM schedules WHERE status = 'executing')`,
      )
      .one().t;
    if (this.#armedAt === undefined) this.#armedAt = await this.ctx.storage.getAlarm();
    if (next === this.#armedAt) return;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
    this.#armedAt = next;
  }
}

/**
 * The hot insert. Drizzle writes the statement once per isolate and SQLite binds it per row: building
 * it per call (or per new object, which is most calls when a campaign fans out) costs more than the
 * insert itself.
 */
let scheduleInsert: { statement: string; columns: (keyof ScheduleRow)[] } | undefined;

function insertSchedule(db: DrizzleSqliteDODatabase, storage: SqlStorage, row: ScheduleRow): void {
  if (!scheduleInsert) {
    const columns = Object.keys(getTableColumns(schedules)) as (keyof ScheduleRow)[];
    const placeholders = Object.fromEntries(columns.map((c) => [c, sql.placeholder(c)]));
    const statement = db
      .insert(schedules)
      .values(placeholders as unknown as ScheduleRow)
      .toSQL().sql;
    scheduleInsert = { statement, columns };
  }
  storage.exec(scheduleInsert.statement, ...scheduleInsert.columns.map((c) => row[c]));
}

function notFound(id: string): CommandFailure {
  return { ok: false, code: "not_found", detail: `no schedule ${id}` };
}

function describe(errors: { path: string; message: string }[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join("; ");
}
