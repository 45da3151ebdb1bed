import { type StoredCondition, unmetCondition } from "../../lib/journeys/conditions";
import { type DripSpec, dripEndsAt, dripEnrollmentCommands, dripOrigin } from "../../lib/journeys/drips";
import { wakeTime } from "../../lib/schedules/alarm";
import type { CreateScheduleCommand } from "../../lib/schedules/commands";
import { type IndexEntry, indexEntryOfRow } from "../../lib/schedules/index-entry";
import type { ScheduleRow } from "../../lib/schedules/rows";
import type { Written } from "../execution/attempt-reports";
import type { EngagementStore } from "../storage/engagement-store";
import type { Enrollment, JourneyStore, UserEvent } from "../storage/journey-store";
import type { ScheduleStore } from "../storage/schedule-store";

export type CampaignAction = "pause" | "resume" | "cancel";

const FROM_STATUSES: Record<CampaignAction, string[]> = {
  pause: ["pending"],
  resume: ["paused"],
  cancel: ["pending", "paused"],
};

/**
 * Campaigns, drips and events inside the user's object: campaign-wide actions on this user's
 * schedules, the user's events, drip enrollments, and the facts fire-time conditions are checked
 * against. Writes are synchronous; UserScheduler re-arms its alarm and creates or cancels schedules.
 */
export class JourneyDesk {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly store: ScheduleStore,
    private readonly journeys: JourneyStore,
    private readonly engagement: EngagementStore,
  ) {}

  /** Pause, resume or cancel every schedule of a campaign this user has; answers the rows changed. */
  campaignAction(userId: string, campaignId: string, action: CampaignAction): Written<IndexEntry[]> {
    const now = Date.now();
    const changed: IndexEntry[] = [];
    const change = { removed: [] as (number | null)[], added: [] as (number | null)[] };
    this.storage.transactionSync(() => {
      for (const row of this.store.ofCampaign(campaignId, FROM_STATUSES[action])) {
        const changes: Partial<ScheduleRow> =
          action === "resume"
            ? { status: "pending", dueAt: row.scheduledTime, updatedAt: now }
            : { status: action === "pause" ? "paused" : "cancelled", dueAt: null, updatedAt: now };
        this.store.update(row.id, changes);
        change.removed.push(wakeTime(row));
        change.added.push(wakeTime({ ...row, ...changes }));
        changed.push(indexEntryOfRow({ ...row, ...changes }, userId));
      }
    });
    return { result: changed, change };
  }

  /** Keep an event for conditions; answers the active enrollments it ends (exitOn). */
  recordEvent(event: UserEvent): Enrollment[] {
    return this.storage.transactionSync(() => {
      this.journeys.recordEvent(event);
      const ended = this.journeys.activeExitedBy(event.name).filter((e) => e.enrolledAt <= event.at);
      for (const e of ended) this.journeys.endEnrollment(e.dripId, e.seq, "exited", event.at);
      return ended;
    });
  }

  /**
   * Check the re-enrollment rule and record a new enrollment, in one synchronous step (a concurrent
   * enrollment sees it and is refused); then the commands for its steps.
   */
  async beginEnrollment(
    userId: string,
    drip: DripSpec,
    at: number,
    zone: string,
  ): Promise<{ ok: true; seq: number; commands: CreateScheduleCommand[] } | { ok: false; detail: string }> {
    const now = Date.now();
    const seq = this.storage.transactionSync(() => {
      for (const e of this.journeys.enrollments(drip.id)) {
        if (e.status === "active" && e.endsAt < now)
          this.journeys.endEnrollment(e.dripId, e.seq, "completed", e.endsAt);
      }
      const current = this.journeys.enrollments(drip.id)[0];
      if (current?.status === "active") return "the user is enrolled in this drip";
      if (current && drip.reenroll === "never") return "this drip enrolls a user once";
      const next = (current?.seq ?? -1) + 1;
      this.journeys.insertEnrollment({
        dripId: drip.id,
        seq: next,
        status: "active",
        enrolledAt: at,
        endsAt: dripEndsAt(drip, at, zone),
        exitOn: drip.exitOn,
      });
      return next;
    });
    if (typeof seq === "string") return { ok: false, detail: seq };
    return { ok: true, seq, commands: await dripEnrollmentCommands(drip, seq, userId, at, zone) };
  }

  /** An enrollment whose schedules could not be created does not stay active. */
  abandonEnrollment(dripId: string, seq: number): void {
    this.journeys.endEnrollment(dripId, seq, "removed", Date.now());
  }

  /** End the active enrollment in a drip; answers its origin (whose unfired steps to cancel), or null. */
  leave(dripId: string): string | null {
    const active = this.journeys.enrollments(dripId).find((e) => e.status === "active");
    if (!active) return null;
    this.journeys.endEnrollment(dripId, active.seq, "removed", Date.now());
    return dripOrigin(dripId, active.seq);
  }

  unfiredOf(origins: string[]): string[] {
    return origins.flatMap((o) => this.store.unfiredOfOrigin(o));
  }

  /** Why a due row must not fire (its first failing condition), or null. */
  conditionNotMet(row: ScheduleRow, now: number): string | null {
    if (!row.conditions) return null;
    return unmetCondition(JSON.parse(row.conditions) as StoredCondition[], {
      opened: (id) => this.store.wasOpened(id) || this.engagement.wasOpened(id),
      eventSeen: (name, since) => this.journeys.eventSeen(name, since, now),
    });
  }
}
