import type { FieldError } from "../errors";
import type { StoredCondition } from "../journeys/conditions";
import type { JsonObject } from "../json";
import type { DeliveryTarget } from "./delivery";
import type { RetryConfig, SendTimeSource } from "./model";
import type { ScheduleView } from "./view";

/** A validated create request, as the API hands it to the user's object. */
export interface CreateScheduleCommand {
  notificationId: string;
  scheduledTime: string;
  timezone?: string;
  priority: number;
  retryConfig: RetryConfig;
  payload: JsonObject;
  metadata: JsonObject;
  idempotencyKey?: string | null;
  recurringPatternId?: string | null;
  campaignId?: string | null;
  businessHoursOnly?: boolean;
  respectQuietHours?: boolean;
  /** Internal: a derived id (generated occurrences); an existing row with it is left as it is. */
  id?: string;
  /** Internal: a generated occurrence that fell behind still fires. */
  allowPast?: boolean;
  /** Internal (campaigns, drips, triggers): see the `origin`, `step` and `conditions` columns. */
  origin?: string;
  step?: number;
  conditions?: StoredCondition[];
  /**
   * Internal (campaign `rules.localTime`): `scheduledTime` is an instant, and the schedule fires at
   * the first time at or after it that the wall clock in its timezone reads HH:MM (P1).
   */
  localTimeAtOrAfter?: string;
  /** Internal: where the time came from (the optimizer's source when sendTime.optimize chose it). */
  sendTimeSource?: SendTimeSource;
}

/** What the tenant contributes to planning a schedule. */
export interface TenantDefaults {
  timezone: string | null;
  businessHours?: { days: number[]; start: string; end: string } | null;
  holidayCountry?: string | null;
  /** Frequency cap for optimized sends (schedules per user within any 24 h). */
  maxPerUserPerDay?: number | null;
  /** Share of optimized sends placed at a random allowed time (exploration). */
  explorationShare?: number | null;
  /** Where the tenant's notifications go: the user's object keeps it, so firing needs no D1 read. */
  delivery?: DeliveryTarget;
}

export interface SchedulePatch {
  scheduledTime?: string;
  /** Internal: a manual override of an optimized time records its source. */
  sendTimeSource?: SendTimeSource;
  timezone?: string;
  priority?: number;
  retryConfig?: RetryConfig;
  payload?: JsonObject;
  metadata?: JsonObject;
}

export interface CommandFailure {
  ok: false;
  code: "validation_error" | "scheduled_time_in_past" | "not_found" | "invalid_state";
  detail: string;
  errors?: FieldError[];
}

export type CreateResult =
  | { ok: true; schedule: ScheduleView; adjusted: boolean; ambiguous: boolean; existed?: boolean }
  | CommandFailure;
export type ScheduleResult = { ok: true; schedule: ScheduleView } | CommandFailure;

export interface ListQuery {
  status?: string;
  from?: number;
  to?: number;
  limit: number;
  /** Exclusive position (scheduledTime, id) of the last row of the previous page. */
  after?: { scheduledTime: number; id: string };
}

export interface UserSettings {
  timezone: string;
  locale?: string | null;
  quietHours?: { start: string; end: string } | null;
  holidayCountry?: string | null;
  calendarIcsUrl?: string | null;
}
