import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { decryptValue, encryptValue, parseKeyring } from "../lib/crypto/encryption";
import { newId, newScheduleId } from "../lib/ids";
import { type StoredCondition, unmetCondition } from "../lib/journeys/conditions";
import { type DripSpec, dripEnrollmentCommands, dripOrigin } from "../lib/journeys/drips";
import type { JsonObject } from "../lib/json";
import type { Prior } from "../lib/optimizer/model";
import { slotOf } from "../lib/optimizer/resolve";
import { nextAlarmAfterChange, wakeTime } from "../lib/schedules/alarm";
import type {
  CommandFailure,
  CreateResult,
  CreateScheduleCommand,
  ListQuery,
  SchedulePatch,
  ScheduleResult,
  TenantDefaults,
  UserSettings,
} from "../lib/schedules/commands";
import {
  chunkForQueue,
  type DeliveryOutcome,
  type ExecutionFailure,
  type ExecutionMessage,
  type OutcomeReceipt,
} from "../lib/schedules/delivery";
import { type IndexEntry, indexEntryOfRow } from "../lib/schedules/index-entry";
import { allows, type ScheduleAction, type ScheduleStatus } from "../lib/schedules/model";
import { isPlanFailure, planScheduledTime, type TimeDefaults } from "../lib/schedules/plan";
import { attemptView, isCurrentAttempt, rowToSchedule, type ScheduleRow } from "../lib/schedules/rows";
import {
  claimChanges,
  describeErrors,
  executionMessage,
  newScheduleRow,
  outcomeChanges,
} from "../lib/schedules/transitions";
import { scheduleView } from "../lib/schedules/view";
import { formatInstant } from "../lib/time/zones";
import { scheduleIndex } from "../workers/db/schedule-index";
import { tenantStore } from "../workers/db/tenant-store";
import { type Env, numberVar } from "../workers/env";
import { SendTimeAdvisor, type SendTimeQuery } from "./send-time/advisor";
import { type EngagementEvent, EngagementStore } from "./storage/engagement-store";
import { JourneyStore, type UserEvent } from "./storage/journey-store";
import { MetaStore } from "./storage/meta-store";
import { ScheduleStore } from "./storage/schedule-store";

export interface Owner {
  tenantId: string;
  userId: string;
}

/** Due rows claimed per alarm run; more due rows re-arm the alarm at once. */
const CLAIM_BATCH = 500;
/** An execution whose attempt was lost this often (leases expired unreported) fails. */
const MAX_LOST_ATTEMPTS = 5;
/** Execution history is bounded: attempts per schedule, and age (compacted at most daily). */
const ATTEMPTS_KEPT_PER_SCHEDULE = 50;
const HISTORY_RETENTION_MS = 90 * 24 * 3600_000;
const COMPACTION_INTERVAL_MS = 24 * 3600_000;

/**
 * One object per (tenant, user): the user's schedules, attempts and settings in SQLite, and one
 * alarm that always equals the earliest thing the object must do (a due row, a retry, a lease).
 * It parses nothing and decides little: the rules live in src/lib, the SQL in ScheduleStore and
 * MetaStore. The file is long because it is the object's whole RPC surface (users, schedules,
 * firing, executor reports), kept on one class so that every write goes through #armAlarm.
 */
export class UserScheduler extends DurableObject<Env> {
  readonly #store: ScheduleStore;
  readonly #meta: MetaStore;
  readonly #engagement: EngagementStore;
  readonly #advisor: SendTimeAdvisor;
  readonly #journeys: JourneyStore;
  #owner: Owner | null;
  /** The user's settings (read on every create for the default timezone). */
  #settings: UserSettings | null;
  /** Last alarm time this instance set (undefined: unknown since start-up). */
  #armedAt: number | null | undefined;
  /** No executing row's lease ends before this (a lower bound; 0 = unknown, so look). */
  #leaseFloor = 0;
  /** When old attempts were last deleted (meta, so a restarted object does not redo it). */
  #compactedAt: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new ScheduleStore(drizzle(ctx.storage), ctx.storage.sql);
    this.#meta = new MetaStore(ctx.storage);
    this.#engagement = new EngagementStore(ctx.storage.sql);
    this.#journeys = new JourneyStore(ctx.storage.sql);
    this.#advisor = new SendTimeAdvisor(
      this.#engagement,
      this.#store,
      env.ALLOW_PRIVATE_WEBHOOK_TARGETS === "true",
    );
    // One read brings the schema version, the owner and the user's settings into memory.
    const stored = this.#meta.read();
    this.#meta.migrate(Number(stored.schema_version ?? 0));
    this.#owner =
      stored.tenant_id && stored.user_id ? { tenantId: stored.tenant_id, userId: stored.user_id } : null;
    this.#settings = stored.user_settings ? (JSON.parse(stored.user_settings) as UserSettings) : null;
    this.#compactedAt = Number(stored.history_compacted_at ?? 0);
    // A brand-new object has no alarm: its first write need not ask (new objects are what a
    // campaign's fan-out is made of).
    if (!stored.schema_version) this.#armedAt = null;
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
    this.#meta.write({ tenant_id: owner.tenantId, user_id: owner.userId });
    this.#owner = owner;
    return true;
  }

  /** Health probe: a round trip that touches storage. */
  async ping(): Promise<number> {
    return this.ctx.storage.sql.exec<{ one: number }>("SELECT 1 AS one").one().one;
  }

  // ---- users ---------------------------------------------------------------------------------

  async getUser(owner: Owner): Promise<UserSettings | null> {
    return this.#bindOwner(owner, false) ? this.#settings : null;
  }

  async putUser(owner: Owner, settings: UserSettings): Promise<UserSettings> {
    this.#bindOwner(owner, true);
    this.#meta.write({ user_settings: JSON.stringify(settings) });
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
    this.#leaseFloor = 0;
    this.#meta.migrate(0);
    this.#engagement.forgetTables();
    this.#journeys.forgetTables();
  }

  // ---- schedules -----------------------------------------------------------------------------

  async createSchedules(
    owner: Owner,
    commands: CreateScheduleCommand[],
    tenant: TenantDefaults,
  ): Promise<CreateResult[]> {
    this.#bindOwner(owner, true);
    const defaults = this.#timeDefaults(tenant);
    const now = Date.now();
    const plans = commands.map((command) => ({
      command,
      id: command.id ?? newScheduleId(owner.userId),
      existing: command.id ? this.#store.get(command.id) : undefined,
      planned: planScheduledTime(command.scheduledTime, command.timezone, defaults, now, command),
    }));
    // Sealed before the transaction (WebCrypto is async); plaintext never reaches SQLite.
    // Rows a derived id already names are answered as they are (opened, for the view).
    const existingViews = await Promise.all(
      plans.map(({ existing }) => (existing ? this.#view(existing) : null)),
    );
    const sealed = await Promise.all(
      plans.map(async ({ command, id, planned, existing }) =>
        isPlanFailure(planned) || existing
          ? null
          : {
              payload: await this.#seal(id, "payload", command.payload),
              metadata: await this.#seal(id, "metadata", command.metadata),
            },
      ),
    );
    const results: CreateResult[] = [];
    const added: number[] = [];
    this.ctx.storage.transactionSync(() => {
      plans.forEach(({ command, id, planned, existing }, i) => {
        // A derived id already stored: generated before (a repeated or concurrent run). Keep it.
        if (existing) {
          results.push({
            ok: true,
            schedule: existingViews[i]!,
            adjusted: false,
            ambiguous: false,
            existed: true,
          });
          return;
        }
        if (isPlanFailure(planned)) {
          results.push({
            ok: false,
            code: planned.code,
            detail: describeErrors(planned.errors),
            errors: planned.errors,
          });
          return;
        }
        const row = newScheduleRow(id, command, planned, now);
        this.#store.insert({ ...row, ...sealed[i]! });
        added.push(planned.scheduledTime);
        results.push({
          ok: true,
          schedule: scheduleView(rowToSchedule(row, owner.userId)),
          adjusted: planned.adjusted,
          ambiguous: planned.ambiguous,
        });
      });
    });
    await this.#armAlarm({ removed: [], added });
    return results;
  }

  /** Where each command would land (P1, localTime, quiet hours) without creating it (throttled campaigns). */
  async planTimes(
    owner: Owner,
    commands: CreateScheduleCommand[],
    tenant: TenantDefaults,
  ): Promise<(number | null)[]> {
    this.#bindOwner(owner, false);
    const defaults = this.#timeDefaults(tenant);
    const now = Date.now();
    return commands.map((c) => {
      const planned = planScheduledTime(c.scheduledTime, c.timezone, defaults, now, c);
      return isPlanFailure(planned) ? null : planned.scheduledTime;
    });
  }

  /** Zone, business hours, quiet hours and holidays a new time is planned with (P1, then moved). */
  #timeDefaults(tenant: TenantDefaults): TimeDefaults {
    return {
      userTimezone: this.#settings?.timezone ?? null,
      tenantTimezone: tenant.timezone,
      businessHours: tenant.businessHours ?? null,
      quietHours: this.#settings?.quietHours ?? null,
      holidayRegion: this.#settings?.holidayCountry ?? tenant.holidayCountry ?? null,
    };
  }

  /** A recurring pattern was paused, edited or deleted: its instances not yet fired are cancelled. */
  async cancelPatternSchedules(owner: Owner, patternId: string): Promise<IndexEntry[]> {
    if (!this.#bindOwner(owner, false)) return [];
    return this.#cancelIds(this.#store.unfiredOfPattern(patternId));
  }

  async getSchedule(owner: Owner, id: string): Promise<ScheduleResult> {
    if (!this.#bindOwner(owner, false)) return notFound(id);
    const row = this.#store.get(id);
    return row ? { ok: true, schedule: await this.#view(row) } : notFound(id);
  }

  async updateSchedule(owner: Owner, id: string, patch: SchedulePatch, tenant: TenantDefaults) {
    const payload = patch.payload === undefined ? undefined : await this.#seal(id, "payload", patch.payload);
    const metadata =
      patch.metadata === undefined ? undefined : await this.#seal(id, "metadata", patch.metadata);
    return this.#transition(owner, id, "modify", (row, now) => {
      const changes: Partial<ScheduleRow> = {};
      if (patch.scheduledTime !== undefined || patch.timezone !== undefined) {
        const defaults = this.#timeDefaults(tenant);
        // A new zone without a new time keeps the instant and only changes how it is displayed.
        const planned = planScheduledTime(
          patch.scheduledTime ?? formatInstant(row.scheduledTime),
          patch.timezone ?? row.timezone,
          defaults,
          now,
        );
        if (isPlanFailure(planned)) {
          return {
            ok: false,
            code: planned.code,
            detail: describeErrors(planned.errors),
            errors: planned.errors,
          };
        }
        changes.scheduledTime = planned.scheduledTime;
        changes.timezone = planned.timezone;
        if (row.status === "pending") changes.dueAt = planned.scheduledTime;
      }
      if (patch.sendTimeSource !== undefined) changes.sendTimeSource = patch.sendTimeSource;
      if (patch.priority !== undefined) changes.priority = patch.priority;
      if (patch.retryConfig !== undefined) changes.retryConfig = JSON.stringify(patch.retryConfig);
      if (payload !== undefined) changes.payload = payload;
      if (metadata !== undefined) changes.metadata = metadata;
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
    const removed: (number | null)[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const id of ids) {
        const row = this.#store.get(id);
        if (!row) out[id] = "not_found";
        else if (row.status === "cancelled") out[id] = "cancelled";
        else if (!allows("cancel", row.status as ScheduleStatus)) out[id] = "conflict";
        else {
          this.#store.update(id, { status: "cancelled", dueAt: null, updatedAt: now });
          removed.push(wakeTime(row));
          out[id] = "cancelled";
        }
      }
    });
    await this.#armAlarm({ removed, added: [] });
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
    const row = this.#store.get(id);
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
      this.#store.update(id, { ...changes, updatedAt: now });
      await this.#armAlarm({ removed: [wakeTime(row)], added: [wakeTime({ ...row, ...changes })] });
    }
    return { ok: true, schedule: await this.#view(this.#store.get(id)!) };
  }

  async listSchedules(owner: Owner, query: ListQuery) {
    if (!this.#bindOwner(owner, false)) return { data: [], hasMore: false };
    const { rows, hasMore } = this.#store.list(query);
    return { data: await Promise.all(rows.map((r) => this.#view(r))), hasMore };
  }

  async listAttempts(owner: Owner, id: string) {
    if (!this.#bindOwner(owner, false) || !this.#store.get(id)) return null;
    return this.#store.attemptsOf(id).map(attemptView);
  }

  // ---- send-time optimization (the logic: SendTimeAdvisor) ---------------------------------

  #zone(tenant: TenantDefaults): string {
    return this.#settings?.timezone ?? tenant.timezone ?? "UTC";
  }

  /** Engagement events of this user (any order); returns the profiles they changed, serialized. */
  async recordEngagement(
    owner: Owner,
    events: EngagementEvent[],
    tenant: TenantDefaults,
  ): Promise<Record<string, string>> {
    this.#bindOwner(owner, true);
    return this.ctx.storage.transactionSync(() => this.#advisor.record(events, this.#zone(tenant)));
  }

  /** The best allowed instant in the window for a notification type (null: nothing allowed). */
  async optimalSendTime(owner: Owner, query: SendTimeQuery, prior: Prior | null, tenant: TenantDefaults) {
    this.#bindOwner(owner, false);
    const zone = query.timezone ?? this.#zone(tenant);
    return this.#advisor.optimal(owner.userId, query, prior, tenant, zone, this.#settings);
  }

  async engagementProfile(owner: Owner, prior: Prior | null, tenant: TenantDefaults) {
    if (!this.#bindOwner(owner, false)) return [];
    return this.#advisor.profiles(prior, this.#zone(tenant));
  }

  // ---- campaigns, drips and events (the rules: src/lib/journeys) -------------------------------

  /** Pause, resume or cancel every schedule of a campaign this user has; answers the rows changed. */
  async campaignAction(owner: Owner, campaignId: string, action: "pause" | "resume" | "cancel") {
    if (!this.#bindOwner(owner, false)) return [];
    const from = action === "pause" ? ["pending"] : action === "resume" ? ["paused"] : ["pending", "paused"];
    const now = Date.now();
    const changed: IndexEntry[] = [];
    const removed: (number | null)[] = [];
    const added: (number | null)[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const row of this.#store.ofCampaign(campaignId, from)) {
        const changes: Partial<ScheduleRow> =
          action === "resume"
            ? { status: "pending", dueAt: row.scheduledTime }
            : { status: action === "pause" ? "paused" : "cancelled", dueAt: null };
        this.#store.update(row.id, { ...changes, updatedAt: now });
        removed.push(wakeTime(row));
        added.push(wakeTime({ ...row, ...changes }));
        changed.push(indexEntryOfRow({ ...row, ...changes, updatedAt: now }, owner.userId));
      }
    });
    await this.#armAlarm({ removed, added });
    return changed;
  }

  /**
   * An event the user sent: kept for conditions ("event X not seen"), and it ends the active drip
   * enrollments that list it in `exitOn` (their remaining steps are cancelled).
   */
  async recordEvent(owner: Owner, event: UserEvent) {
    this.#bindOwner(owner, true);
    const exited = this.ctx.storage.transactionSync(() => {
      this.#journeys.recordEvent(event);
      const ended = this.#journeys.activeExitedBy(event.name).filter((e) => e.enrolledAt <= event.at);
      for (const e of ended) this.#journeys.endEnrollment(e.dripId, e.seq, "exited", event.at);
      return ended;
    });
    const cancelled = await this.#cancelUnfired(exited.map((e) => dripOrigin(e.dripId, e.seq)));
    return { exitedDrips: exited.map((e) => e.dripId), cancelled };
  }

  /** Enroll in a drip: its steps become schedules; refused while enrolled, or ever with "never". */
  async enrollInDrip(owner: Owner, drip: DripSpec, at: number, tenant: TenantDefaults) {
    this.#bindOwner(owner, true);
    const now = Date.now();
    const previous = this.#journeys.enrollments(drip.id);
    for (const e of previous) {
      if (e.status === "active" && e.endsAt < now)
        this.#journeys.endEnrollment(e.dripId, e.seq, "completed", e.endsAt);
    }
    const current = this.#journeys.enrollments(drip.id)[0];
    if (current?.status === "active" || (current && drip.reenroll === "never")) {
      return {
        ok: false as const,
        detail:
          current.status === "active" ? "the user is enrolled in this drip" : "this drip enrolls a user once",
      };
    }
    const seq = (current?.seq ?? -1) + 1;
    const { commands, endsAt } = await dripEnrollmentCommands(
      drip,
      seq,
      owner.userId,
      at,
      this.#zone(tenant),
    );
    // Recorded before the awaits below: a concurrent enrollment sees it and is refused.
    this.#journeys.insertEnrollment({
      dripId: drip.id,
      seq,
      status: "active",
      enrolledAt: at,
      endsAt,
      exitOn: drip.exitOn,
    });
    try {
      const results = await this.createSchedules(owner, commands, tenant);
      return { ok: true as const, seq, results };
    } catch (error) {
      this.#journeys.endEnrollment(drip.id, seq, "removed", now);
      throw error;
    }
  }

  /** Leave a drip: the active enrollment ends and its remaining steps are cancelled. */
  async leaveDrip(owner: Owner, dripId: string) {
    if (!this.#bindOwner(owner, false)) return null;
    const active = this.#journeys.enrollments(dripId).find((e) => e.status === "active");
    if (!active) return null;
    this.#journeys.endEnrollment(dripId, active.seq, "removed", Date.now());
    return this.#cancelUnfired([dripOrigin(dripId, active.seq)]);
  }

  #cancelUnfired(origins: string[]): Promise<IndexEntry[]> {
    return this.#cancelIds(origins.flatMap((o) => this.#store.unfiredOfOrigin(o)));
  }

  /** Cancel unfired rows; answers them as the schedule index records them. */
  async #cancelIds(ids: string[]): Promise<IndexEntry[]> {
    if (ids.length === 0) return [];
    await this.cancelSchedules(this.#owner!, ids);
    return ids.map((id) => indexEntryOfRow(this.#store.get(id)!, this.#owner!.userId));
  }

  /** Facts that conditions are checked against (see StoredCondition). */
  #conditionNotMet(row: ScheduleRow, now: number): string | null {
    if (!row.conditions) return null;
    return unmetCondition(JSON.parse(row.conditions) as StoredCondition[], {
      opened: (id) => this.#store.wasOpened(id) || this.#engagement.wasOpened(id),
      eventSeen: (name, since) => this.#journeys.eventSeen(name, since, now),
    });
  }

  // ---- firing --------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    if (!this.#owner) return;
    // The alarm that woke us is consumed and rows are about to change: unknown until recomputed.
    this.#armedAt = undefined;
    const claimed = await this.#claimDueSchedules(Date.now());
    this.#compactHistory(Date.now());
    try {
      for (const chunk of chunkForQueue(claimed)) {
        await this.env.EXECUTIONS.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
      }
    } catch (error) {
      // Not handed to the Queue: expire the leases so the next alarm sends them again.
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        for (const m of claimed) this.#store.update(m.scheduleId, { leaseUntil: now });
      });
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
  async #claimDueSchedules(now: number): Promise<ExecutionMessage[]> {
    const owner = this.#owner!;
    const leaseMs = numberVar(this.env.EXECUTION_LEASE_MS, 120_000);
    const claimed: { row: ScheduleRow; executionId: string; attempt: number }[] = [];
    const abandoned: ScheduleRow[] = [];
    /** Due rows whose conditions do not hold: cancelled, not sent. */
    const skipped: IndexEntry[] = [];
    const skippedIds = new Set<string>();
    this.ctx.storage.transactionSync(() => {
      const due = this.#store.due(now, CLAIM_BATCH);
      // Most alarms are for due rows; look for lost attempts only when a lease may have ended.
      const lost = this.#leaseFloor <= now ? this.#store.leaseExpired(now, CLAIM_BATCH) : [];
      const resend: ScheduleRow[] = [];
      for (const row of due.filter((r) => r.conditions)) {
        const reason = this.#conditionNotMet(row, now);
        if (reason === null) continue;
        const changes = { status: "cancelled", dueAt: null, failureReason: reason, updatedAt: now };
        this.#store.update(row.id, changes);
        skipped.push(indexEntryOfRow({ ...row, ...changes }, owner.userId));
        skippedIds.add(row.id);
      }
      for (const row of lost) {
        this.#store.updateAttempt(row.id, row.executionId!, row.attempts, {
          status: "timeout",
          finishedAt: now,
          error: "lease expired without a result",
        });
        // Lost attempts do not use the retry budget, but an attempt lost again and again is a fault.
        if (this.#store.lostAttempts(row.id, row.executionId!) >= MAX_LOST_ATTEMPTS) {
          const reason = `the executor lost this attempt ${MAX_LOST_ATTEMPTS} times (lease expired, no report)`;
          this.#store.update(row.id, {
            status: "failed",
            leaseUntil: null,
            executedAt: now,
            failureReason: reason,
            updatedAt: now,
          });
          abandoned.push({ ...row, status: "failed", executedAt: now, failureReason: reason });
        } else resend.push(row);
      }
      for (const row of [...due.filter((r) => !skippedIds.has(r.id)), ...resend]) {
        const executionId = row.executionId ?? newId("exe");
        const attempt = row.attempts + 1;
        this.#store.update(row.id, claimChanges(row, executionId, now, leaseMs));
        this.#leaseFloor = Math.min(this.#leaseFloor, now + leaseMs);
        this.#store.insertAttempt({
          id: newId("att"),
          scheduleId: row.id,
          executionId,
          attempt,
          status: "started",
          startedAt: now,
        });
        claimed.push({ row, executionId, attempt });
      }
    });
    if (skipped.length > 0 || abandoned.length > 0) {
      await scheduleIndex(this.env.DB, owner.tenantId).upsert([
        ...skipped,
        ...abandoned.map((r) => indexEntryOfRow(r, owner.userId)),
      ]);
    }
    for (const row of abandoned) {
      const failure = this.#failureOf(row, { executionId: row.executionId!, attempt: row.attempts });
      if (failure) await tenantStore(this.env.DB, owner.tenantId).recordDeadLetter(failure);
    }
    return Promise.all(
      claimed.map(async (c) =>
        executionMessage(owner, await this.#opened(c.row), c.executionId, c.attempt, now),
      ),
    );
  }

  #compactHistory(now: number): void {
    if (now - this.#compactedAt < COMPACTION_INTERVAL_MS) return;
    this.#store.pruneAttempts(null, ATTEMPTS_KEPT_PER_SCHEDULE, now - HISTORY_RETENTION_MS);
    this.#meta.write({ history_compacted_at: String(now) });
    this.#compactedAt = now;
  }

  // ---- encryption at rest --------------------------------------------------------------------

  /** payload and metadata are stored sealed (AES-256-GCM), bound to their row and field. */
  #seal(id: string, field: "payload" | "metadata", value: JsonObject | undefined): Promise<string> {
    return encryptValue(
      parseKeyring(this.env.ENCRYPTION_KEYS),
      JSON.stringify(value ?? {}),
      `${id}:${field}`,
    );
  }

  /** The row with payload and metadata opened back to JSON text. */
  async #opened(row: ScheduleRow): Promise<ScheduleRow> {
    const keyring = parseKeyring(this.env.ENCRYPTION_KEYS);
    const [payload, metadata] = await Promise.all([
      decryptValue(keyring, row.payload, `${row.id}:payload`),
      decryptValue(keyring, row.metadata, `${row.id}:metadata`),
    ]);
    return { ...row, payload, metadata };
  }

  async #view(row: ScheduleRow) {
    return scheduleView(rowToSchedule(await this.#opened(row), this.#owner!.userId));
  }

  /** The executor's report of one attempt. A report for any attempt but the current one is stale. */
  async recordDeliveryOutcome(owner: Owner, outcome: DeliveryOutcome): Promise<OutcomeReceipt> {
    if (!this.#bindOwner(owner, false)) return { applied: false };
    const row = this.#store.get(outcome.scheduleId);
    if (!row) return { applied: false };
    if (!isCurrentAttempt(row, outcome)) return { applied: false, failure: this.#failureOf(row, outcome) };
    // Only a failure asks how many attempts were lost: the common success path stays one read.
    const lost =
      outcome.httpStatus !== null && outcome.httpStatus < 300
        ? 0
        : this.#store.lostAttempts(row.id, outcome.executionId);
    const changes = outcomeChanges(row, outcome, Date.now(), Math.random(), lost);
    this.ctx.storage.transactionSync(() => {
      this.#store.updateAttempt(row.id, outcome.executionId, outcome.attempt, changes.attempt);
      this.#store.update(row.id, changes.schedule);
    });
    await this.#armAlarm({ removed: [wakeTime(row)], added: [wakeTime({ ...row, ...changes.schedule })] });
    return {
      applied: true,
      status: changes.schedule.status,
      updatedAt: changes.schedule.updatedAt,
      failure: this.#failureOf({ ...row, ...changes.schedule }, outcome),
    };
  }

  /**
   * A message that waited long in the Queue asks before it delivers: is its attempt still the
   * current one? If so its lease starts again now (it is being delivered, not lost); if not, the
   * alarm already sent a newer attempt and this one must not reach the webhook twice.
   */
  async renewLease(
    owner: Owner,
    attempt: { scheduleId: string; executionId: string; attempt: number },
  ): Promise<boolean> {
    if (!this.#bindOwner(owner, false)) return false;
    const row = this.#store.get(attempt.scheduleId);
    if (!row || !isCurrentAttempt(row, attempt)) return false;
    const leaseUntil = Date.now() + numberVar(this.env.EXECUTION_LEASE_MS, 120_000);
    this.#store.update(row.id, { leaseUntil });
    await this.#armAlarm({ removed: [row.leaseUntil], added: [leaseUntil] });
    return true;
  }

  /**
   * The endpoint's circuit is open: this attempt never reached the webhook, so it is not counted.
   * The row waits as pending until the circuit may let a probe through (same execution, same
   * attempt number next time), owned by the alarm like any retry.
   */
  async deferAttempt(
    owner: Owner,
    attempt: { scheduleId: string; executionId: string; attempt: number; until: number },
  ): Promise<boolean> {
    if (!this.#bindOwner(owner, false)) return false;
    const row = this.#store.get(attempt.scheduleId);
    if (!row || !isCurrentAttempt(row, attempt)) return false;
    const deferred = {
      status: "pending",
      attempts: row.attempts - 1,
      dueAt: attempt.until,
      leaseUntil: null,
      updatedAt: Date.now(),
    } satisfies Partial<ScheduleRow>;
    this.ctx.storage.transactionSync(() => {
      this.#store.deleteAttempt(row.id, attempt.executionId, attempt.attempt);
      this.#store.update(row.id, deferred);
    });
    await this.#armAlarm({ removed: [wakeTime(row)], added: [attempt.until] });
    return true;
  }

  /**
   * The executor could not process an attempt at all (the Queue gave up on its message): the
   * schedule fails with that reason, unless it already moved on.
   */
  async markUndeliverable(
    owner: Owner,
    attempt: { scheduleId: string; executionId: string; attempt: number; reason: string },
  ): Promise<OutcomeReceipt> {
    if (!this.#bindOwner(owner, false)) return { applied: false };
    const row = this.#store.get(attempt.scheduleId);
    if (!row) return { applied: false };
    if (!isCurrentAttempt(row, attempt)) return { applied: false, failure: this.#failureOf(row, attempt) };
    const now = Date.now();
    const failed = {
      status: "failed",
      leaseUntil: null,
      executedAt: now,
      failureReason: attempt.reason,
      updatedAt: now,
    } satisfies Partial<ScheduleRow>;
    this.ctx.storage.transactionSync(() => {
      this.#store.updateAttempt(row.id, attempt.executionId, attempt.attempt, {
        status: "failed",
        finishedAt: now,
        error: attempt.reason,
      });
      this.#store.update(row.id, failed);
    });
    await this.#armAlarm({ removed: [wakeTime(row)], added: [] });
    return {
      applied: true,
      status: "failed",
      updatedAt: now,
      failure: this.#failureOf({ ...row, ...failed }, attempt),
    };
  }

  /** A failed row of exactly this execution and attempt, as a dead letter; otherwise undefined. */
  #failureOf(
    row: ScheduleRow,
    report: { executionId: string; attempt: number },
  ): ExecutionFailure | undefined {
    if (row.status !== "failed" || row.executionId !== report.executionId || row.attempts !== report.attempt)
      return;
    const last = this.#store.attemptsOf(row.id).at(-1);
    return {
      scheduleId: row.id,
      executionId: row.executionId,
      userId: this.#owner!.userId,
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
  async recordDeliveryEvent(
    owner: Owner,
    report: { scheduleId: string; executionId?: string; event: string; at: number },
  ): Promise<{ ok: true; recorded: boolean; profiles: Record<string, string> } | CommandFailure> {
    if (!this.#bindOwner(owner, false)) return notFound(report.scheduleId);
    const row = this.#store.get(report.scheduleId);
    if (!row) return notFound(report.scheduleId);
    const executionId = report.executionId ?? row.executionId;
    if (!executionId) {
      return { ok: false, code: "invalid_state", detail: `schedule ${row.id} has not fired yet` };
    }
    if (
      executionId !== row.executionId &&
      !this.#store.attemptsOf(row.id).some((a) => a.executionId === executionId)
    ) {
      return {
        ok: false,
        code: "validation_error",
        detail: `executionId ${executionId} is not an execution of schedule ${row.id}`,
        errors: [{ path: "executionId", message: "is not an execution of this schedule" }],
      };
    }
    const recorded = this.#store.recordDeliveryEvent({
      scheduleId: row.id,
      executionId,
      event: report.event,
      at: report.at,
      receivedAt: Date.now(),
    });
    let profiles: Record<string, string> = {};
    if (recorded && (report.event === "opened" || report.event === "clicked")) {
      profiles = Object.fromEntries(
        this.ctx.storage.transactionSync(() =>
          this.#engagement.apply(
            [{ type: row.notificationId, event: "opened", at: report.at, sendKey: row.id }],
            (at) => slotOf(at, row.timezone),
            Date.now(),
          ),
        ),
      );
    }
    return { ok: true, recorded, profiles };
  }

  /** Dead-letter retry: a failed schedule becomes pending again, due now, as a new execution. */
  async requeueFailed(owner: Owner, id: string) {
    if (this.#owner) this.#store.pruneAttempts(id, ATTEMPTS_KEPT_PER_SCHEDULE - 1, 0);
    return this.#transition(owner, id, "requeue", (_row, now) => ({
      status: "pending",
      dueAt: now,
      attempts: 0,
      executionId: null,
      failureReason: null,
      executedAt: null,
    }));
  }

  /**
   * Invariant 2: the alarm is never later than the earliest due row, retry or lease expiry. `change`
   * names the wake times a write removed and added, so that most writes need no MIN query; without
   * it (after an alarm run) the earliest is read from SQLite.
   */
  async #armAlarm(change?: { removed: (number | null)[]; added: (number | null)[] }): Promise<void> {
    const decision = change ? nextAlarmAfterChange(this.#armedAt, change.removed, change.added) : "recompute";
    let next: number | null;
    if (decision === "recompute") {
      const { due, lease } = this.#store.wakeTimes();
      this.#leaseFloor = lease ?? Number.POSITIVE_INFINITY;
      next = due === null ? lease : lease === null ? due : Math.min(due, lease);
    } else next = decision.next;
    if (this.#armedAt === undefined) this.#armedAt = await this.ctx.storage.getAlarm();
    if (next === this.#armedAt) return;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
    this.#armedAt = next;
  }
}

function notFound(id: string): CommandFailure {
  return { ok: false, code: "not_found", detail: `no schedule ${id}` };
}
