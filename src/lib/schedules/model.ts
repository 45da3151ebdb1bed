import type { JsonObject } from "../json";
import type { SendTimeSource as OptimizerSource } from "../optimizer/decide";

/** The one-off schedule as the domain knows it: plain data, instants in UTC epoch ms. */
export type ScheduleStatus = "pending" | "paused" | "executing" | "completed" | "failed" | "cancelled";

export type BackoffKind = "fixed" | "linear" | "exponential" | "jittered";

export interface RetryConfig {
  maxRetries: number;
  backoff: BackoffKind;
  initialDelaySeconds: number;
  maxDelaySeconds: number;
}

export const DEFAULT_RETRY_CONFIG: RetryConfig = {
  maxRetries: 3,
  backoff: "exponential",
  initialDelaySeconds: 5,
  maxDelaySeconds: 300,
};

export const PRIORITY_NAMES = { low: 1, normal: 2, high: 3, urgent: 4, critical: 5 } as const;
export type PriorityName = keyof typeof PRIORITY_NAMES;
export const DEFAULT_PRIORITY = PRIORITY_NAMES.normal;

export function priorityValue(priority: number | PriorityName | undefined): number {
  if (priority === undefined) return DEFAULT_PRIORITY;
  return typeof priority === "number" ? priority : PRIORITY_NAMES[priority];
}

/** Where a schedule's time came from: the optimizer's sources, or a manual override of one. */
export type SendTimeSource = OptimizerSource | "override";

export interface Schedule {
  id: string;
  userId: string;
  notificationId: string;
  scheduledTime: number;
  timezone: string;
  status: ScheduleStatus;
  priority: number;
  retryConfig: RetryConfig;
  payload: JsonObject;
  metadata: JsonObject;
  attempts: number;
  recurringPatternId: string | null;
  campaignId: string | null;
  sendTimeSource: SendTimeSource;
  idempotencyKey: string | null;
  createdAt: number;
  updatedAt: number;
  executedAt: number | null;
  failureReason: string | null;
}

/** What may happen to a schedule in each status (API.md lifecycle). */
export const TRANSITIONS = {
  pause: ["pending"],
  resume: ["paused"],
  cancel: ["pending", "paused"],
  modify: ["pending", "paused"],
  executeNow: ["pending", "paused"],
  requeue: ["failed"],
} as const satisfies Record<string, readonly ScheduleStatus[]>;

export type ScheduleAction = keyof typeof TRANSITIONS;

export function allows(action: ScheduleAction, status: ScheduleStatus): boolean {
  return (TRANSITIONS[action] as readonly ScheduleStatus[]).includes(status);
}

/** A scheduledTime this far in the past is refused; anything closer fires at once. */
export const PAST_TOLERANCE_MS = 60_000;
/** And this far ahead is refused. */
export const MAX_HORIZON_MS = 10 * 366 * 24 * 3600_000;
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_METADATA_BYTES = 16 * 1024;
