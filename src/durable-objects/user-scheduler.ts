import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { decryptValue, encryptValue, parseKeyring } from "../lib/crypto/encryption";
import { newScheduleId } from "../lib/ids";
import { type DripSpec, dripOrigin } from "../lib/journeys/drips";
import type { JsonObject } from "../lib/json";
import type { Prior } from "../lib/optimizer/model";
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
import type { DeliveryAttempt, DeliveryOutcome, OutcomeReceipt } from "../lib/schedules/delivery";
import { type IndexEntry, indexEntryOfRow } from "../lib/schedules/index-entry";
import { allows, type ScheduleAction, type ScheduleStatus } from "../lib/schedules/model";
import { isPlanFailure, planScheduledTime, type TimeDefaults } from "../lib/schedules/plan";
import { attemptView, rowToSchedule, type ScheduleRow } from "../lib/schedules/rows";
import { deliveryAttempt, describeErrors, newScheduleRow } from "../lib/schedules/transitions";
import { scheduleView } from "../lib/schedules/view";
import { formatInstant } from "../lib/time/zones";
import { CircuitGate } from "../services/circuit-gate";
import { loadDeliveryTarget } from "../services/delivery-target";
import { type Env, numberVar } from "../workers/env";
import { AttemptReports, type Written } from "./execution/attempt-reports";
import { claimDueRows } from "./execution/claims";
import { Dispatcher } from "./execution/dispatch";
import { OutboxRelay } from "./execution/outbox-relay";
import { TargetCache } from "./execution/target-cache";
import { type CampaignAction, JourneyDesk } from "./journeys/journey-desk";
import { SendTimeAdvisor, type SendTimeQuery } from "./send-time/advisor";
import { type EngagementEvent, EngagementStore } from "./storage/engagement-store";
import { JourneyStore, type UserEvent } from "./storage/journey-store";
import { MetaStore } from "./storage/meta-store";
import { OutboxStore } from "./storage/outbox-store";
import { ScheduleStore } from "./storage/schedule-store";

export interface Owner {
  tenantId: string;
  userId: string;
}

/** Execution history is bounded: attempts per schedule, and age (compacted at most daily). */
const ATTEMPTS_KEPT_PER_SCHEDULE = 50;
const HISTORY_RETENTION_MS = 90 * 24 * 3600_000;
const COMPACTION_INTERVAL_MS = 24 * 3600_000;

/**
 * One object per (tenant, user): the user's schedules, attempts and settings in SQLite, and one
 * alarm that always equals the earliest thing the object must do (a due row, a retry, a lease).
 * It parses nothing and decides little: the rules live in src/lib, the SQL in storage/, and the
 * object's larger parts in helpers that answer the wake times they changed: claims (firing),
 * AttemptReports (what the executor reports), JourneyDesk (campaigns, drips, events) and
 * SendTimeAdvisor. This class is the object's RPC surface, so that every write goes through
 * #armAlarm; that is why it is still long.
 */
export class UserScheduler extends DurableObject<Env> {
  readonly #store: ScheduleStore;
  readonly #meta: MetaStore;
  readonly #engagement: EngagementStore;
  readonly #advisor: SendTimeAdvisor;
  readonly #journeys: JourneyStore;
  readonly #reports: AttemptReports;
  readonly #desk: JourneyDesk;
  readonly #outbox: OutboxStore;
  readonly #relay: OutboxRelay;
  readonly #dispatcher: Dispatcher;
  #targets: TargetCache;
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
    this.#outbox = new OutboxStore(ctx.storage.sql);
    this.#store = new ScheduleStore(drizzle(ctx.storage), ctx.storage.sql, this.#outbox);
    this.#meta = new MetaStore(ctx.storage);
    this.#engagement = new EngagementStore(ctx.storage.sql);
    this.#journeys = new JourneyStore(ctx.storage.sql);
    this.#reports = new AttemptReports(ctx.storage, this.#store, this.#engagement, this.#outbox);
    this.#relay = new OutboxRelay(this.#outbox, this.#store, () => this.env.DB);
    this.#desk = new JourneyDesk(ctx.storage, this.#store, this.#journeys, this.#engagement);
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
    this.#targets = this.#targetCache(stored);
    this.#dispatcher = new Dispatcher(env, this.#reports, () => this.#targets, new CircuitGate(env));
    // A brand-new object has no alarm: its first write need not ask (new objects are what a
    // campaign's fan-out is made of). One that restarts with marks in its outbox flushes them first.
    if (!stored.schema_version) this.#armedAt = null;
    else if (!this.#outbox.isEmpty()) this.#outbox.waitingSince = 0;
  }

  #targetCache(stored: Record<string, string>): TargetCache {
    return new TargetCache(this.#meta, stored, () => loadDeliveryTarget(this.env.DB, this.#owner!.tenantId));
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
    this.#relay.forget();
    this.#meta.migrate(0);
    this.#targets = this.#targetCache({});
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
    this.#targets.learn(tenant.delivery, now);
    const plans = commands.map((command) => ({
      command,
      id: command.id ?? newScheduleId(owner.userId),
      planned: planScheduledTime(command.scheduledTime, command.timezone, defaults, now, command),
    }));
    // Sealed before the transaction (WebCrypto is async); plaintext never reaches SQLite.
    const sealed = await Promise.all(
      plans.map(async ({ command, id, planned }) =>
        isPlanFailure(planned)
          ? null
          : {
              payload: await this.#seal(id, "payload", command.payload),
              metadata: await this.#seal(id, "metadata", command.metadata),
            },
      ),
    );
    // A row a derived id already names (a repeated or concurrent run, or the same command twice in
    // this call) is kept and answered as it is, opened after the transaction. It is looked up
    // inside the transaction, so a row stored while sealing awaited is found too.
    const outcomes: (CreateResult | ScheduleRow)[] = [];
    const added: number[] = [];
    this.ctx.storage.transactionSync(() => {
      plans.forEach(({ command, id, planned }, i) => {
        const stored = command.id ? this.#store.get(id) : undefined;
        if (stored) {
          // A repeated run (a campaign chunk redone after a lost message) also repairs the index.
          this.#outbox.markIndexed(id);
          outcomes.push(stored);
          return;
        }
        if (isPlanFailure(planned)) {
          outcomes.push({
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
        outcomes.push({
          ok: true,
          schedule: scheduleView(rowToSchedule(row, owner.userId)),
          adjusted: planned.adjusted,
          ambiguous: planned.ambiguous,
        });
      });
    });
    const results = await Promise.all(
      outcomes.map(
        async (outcome): Promise<CreateResult> =>
          "ok" in outcome
            ? outcome
            : {
                ok: true,
                schedule: await this.#view(outcome),
                adjusted: false,
                ambiguous: false,
                existed: true,
              },
      ),
    );
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

  /** Several schedules at once (the tenant-wide list reads its page here); unknown ids are left out. */
  async getSchedules(owner: Owner, ids: string[]) {
    if (!this.#bindOwner(owner, false)) return [];
    const rows = ids.map((id) => this.#store.get(id)).filter((r): r is ScheduleRow => r !== undefined);
    return Promise.all(rows.map((r) => this.#view(r)));
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

  // ---- campaigns, drips and events (the logic: JourneyDesk, src/lib/journeys) ------------------

  /** Pause, resume or cancel every schedule of a campaign this user has; answers the rows changed. */
  async campaignAction(owner: Owner, campaignId: string, action: CampaignAction) {
    if (!this.#bindOwner(owner, false)) return [];
    return this.#afterWrite(this.#desk.campaignAction(owner.userId, campaignId, action));
  }

  /**
   * An event the user sent: kept for conditions ("event X not seen"), and it ends the active drip
   * enrollments that list it in `exitOn` (their remaining steps are cancelled).
   */
  async recordEvent(owner: Owner, event: UserEvent) {
    this.#bindOwner(owner, true);
    const exited = this.#desk.recordEvent(event);
    const cancelled = await this.#cancelIds(
      this.#desk.unfiredOf(exited.map((e) => dripOrigin(e.dripId, e.seq))),
    );
    return { exitedDrips: exited.map((e) => e.dripId), cancelled };
  }

  /** Enroll in a drip: its steps become schedules; refused while enrolled, or ever with "never". */
  async enrollInDrip(owner: Owner, drip: DripSpec, at: number, tenant: TenantDefaults) {
    this.#bindOwner(owner, true);
    const begun = await this.#desk.beginEnrollment(owner.userId, drip, at, this.#zone(tenant));
    if (!begun.ok) return begun;
    try {
      return {
        ok: true as const,
        seq: begun.seq,
        results: await this.createSchedules(owner, begun.commands, tenant),
      };
    } catch (error) {
      this.#desk.abandonEnrollment(drip.id, begun.seq);
      throw error;
    }
  }

  /** Leave a drip: the active enrollment ends and its remaining steps are cancelled. */
  async leaveDrip(owner: Owner, dripId: string) {
    if (!this.#bindOwner(owner, false)) return null;
    const origin = this.#desk.leave(dripId);
    return origin === null ? null : this.#cancelIds(this.#desk.unfiredOf([origin]));
  }

  /** Cancel unfired rows; answers them as the schedule index records them. */
  async #cancelIds(ids: string[]): Promise<IndexEntry[]> {
    if (ids.length === 0) return [];
    await this.cancelSchedules(this.#owner!, ids);
    return ids.map((id) => indexEntryOfRow(this.#store.get(id)!, this.#owner!.userId));
  }

  // ---- firing --------------------------------------------------------------------------------

  /**
   * Claim what is due, deliver it (here, or through the Queue for a large claim), compact old
   * history, and flush the outbox; then the alarm follows the earliest thing left to do. Nothing in
   * it throws for a dependency: D1 and the Queue failing defer work, they never fail schedules.
   */
  override async alarm(): Promise<void> {
    if (!this.#owner) return;
    // The alarm that woke us is consumed and rows are about to change: unknown until recomputed.
    this.#armedAt = undefined;
    const attempts = await this.#claimDueSchedules(Date.now());
    this.#compactHistory(Date.now());
    // Armed for the leases before delivering: an object that dies mid-delivery still comes back.
    if (attempts.length > 0) await this.#armAlarm();
    await this.#dispatcher.dispatch(this.#owner, attempts);
    await this.#relay.flushAfterRun(this.#owner, Date.now(), attempts.length > 0);
    await this.#armAlarm();
  }

  /** Claim what is due (see claimDueRows); what the claim gave up on leaves its dead letter. */
  async #claimDueSchedules(now: number): Promise<DeliveryAttempt[]> {
    const owner = this.#owner!;
    const leaseMs = numberVar(this.env.EXECUTION_LEASE_MS, 120_000);
    const { claimed } = this.ctx.storage.transactionSync(() => {
      const claims = claimDueRows(this.#store, now, {
        leaseMs,
        lookForLost: this.#leaseFloor <= now,
        conditionNotMet: (row) => this.#desk.conditionNotMet(row, now),
      });
      for (const row of claims.abandoned) {
        const failure = this.#reports.failureOf(owner.userId, row, {
          executionId: row.executionId!,
          attempt: row.attempts,
        });
        if (failure) this.#outbox.addDeadLetter(failure);
      }
      return claims;
    });
    if (claimed.length > 0) this.#leaseFloor = Math.min(this.#leaseFloor, now + leaseMs);
    return Promise.all(
      claimed.map(async (c) =>
        deliveryAttempt(owner.userId, await this.#opened(c.row), c.executionId, c.attempt, now),
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

  // ---- what the executor and the tenant report back (the logic: AttemptReports) ---------------

  async recordDeliveryOutcome(owner: Owner, outcome: DeliveryOutcome): Promise<OutcomeReceipt> {
    if (!this.#bindOwner(owner, false)) return { applied: false };
    return this.#afterWrite(this.#reports.outcome(owner.userId, outcome));
  }

  async renewLease(owner: Owner, attempt: { scheduleId: string; executionId: string; attempt: number }) {
    if (!this.#bindOwner(owner, false)) return false;
    return this.#afterWrite(
      this.#reports.renewLease(attempt, numberVar(this.env.EXECUTION_LEASE_MS, 120_000)),
    );
  }

  async deferAttempt(
    owner: Owner,
    attempt: { scheduleId: string; executionId: string; attempt: number; until: number },
  ): Promise<boolean> {
    if (!this.#bindOwner(owner, false)) return false;
    return this.#afterWrite(this.#reports.defer(attempt));
  }

  async markUndeliverable(
    owner: Owner,
    attempt: { scheduleId: string; executionId: string; attempt: number; reason: string },
  ): Promise<OutcomeReceipt> {
    if (!this.#bindOwner(owner, false)) return { applied: false };
    return this.#afterWrite(this.#reports.undeliverable(owner.userId, attempt));
  }

  async recordDeliveryEvent(
    owner: Owner,
    report: { scheduleId: string; executionId?: string; event: string; at: number },
  ): Promise<{ ok: true; recorded: boolean; profiles: Record<string, string> } | CommandFailure> {
    if (!this.#bindOwner(owner, false)) return notFound(report.scheduleId);
    return this.#reports.deliveryEvent(report);
  }

  /** Every write that moved wake times re-arms the alarm before it answers (invariant 2). */
  async #afterWrite<T>({ result, change }: Written<T>): Promise<T> {
    if (change) await this.#armAlarm(change);
    else this.#flushSoon();
    return result;
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
   * Invariant 2: the alarm is never later than the earliest due row, retry, lease expiry or outbox
   * retry. `change` names the wake times a write removed and added, so that most writes need no MIN
   * query; without it (after an alarm run or a flush) the earliest is read from SQLite.
   */
  async #armAlarm(change?: { removed: (number | null)[]; added: (number | null)[] }): Promise<void> {
    const decision = change
      ? nextAlarmAfterChange(this.#armedAt, change.removed, [...change.added, this.#relay.wakeTime()])
      : "recompute";
    let next: number | null;
    if (decision === "recompute") {
      const { due, lease } = this.#store.wakeTimes();
      this.#leaseFloor = lease ?? Number.POSITIVE_INFINITY;
      next = earliest(due, lease, this.#relay.wakeTime());
    } else next = decision.next;
    if (this.#armedAt === undefined) this.#armedAt = await this.ctx.storage.getAlarm();
    if (next !== this.#armedAt) {
      if (next === null) await this.ctx.storage.deleteAlarm();
      else await this.ctx.storage.setAlarm(next);
      this.#armedAt = next;
    }
    this.#flushSoon();
  }

  /** A write marked the outbox: flush it now, in the background; a failure arms the alarm's retry. */
  #flushSoon(): void {
    const owner = this.#owner;
    if (!owner || !this.#relay.ready) return;
    this.ctx.waitUntil(
      this.#relay.flush(owner).then(async (flushed) => {
        if (!flushed) await this.#armAlarm({ removed: [], added: [this.#relay.wakeTime()] });
      }),
    );
  }
}

function earliest(...times: (number | null)[]): number | null {
  const known = times.filter((t): t is number => t !== null);
  return known.length === 0 ? null : Math.min(...known);
}

function notFound(id: string): CommandFailure {
  return { ok: false, code: "not_found", detail: `no schedule ${id}` };
}
