import type { FieldError } from "../errors";
import { classifyDelivery, hasRetryLeft, retryDelayMs } from "../retry/policy";
import { formatInstant } from "../time/zones";
import type { CreateScheduleCommand } from "./commands";
import type { DeliveryAttempt, DeliveryOutcome } from "./delivery";
import type { RetryConfig } from "./model";
import type { PlannedTime } from "./plan";
import type { AttemptRow, ScheduleRow } from "./rows";

/** The stored row of a newly accepted schedule. */
export function newScheduleRow(
  id: string,
  command: CreateScheduleCommand,
  planned: PlannedTime,
  now: number,
): ScheduleRow {
  return {
    id,
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
    sendTimeSource: command.sendTimeSource ?? "fixed",
    idempotencyKey: command.idempotencyKey ?? null,
    executionId: null,
    leaseUntil: null,
    createdAt: now,
    updatedAt: now,
    executedAt: null,
    failureReason: null,
    origin: command.origin ?? null,
    step: command.step ?? null,
    conditions:
      command.conditions && command.conditions.length > 0 ? JSON.stringify(command.conditions) : null,
  };
}

/** Claiming a due (or lease-expired) row: the next attempt of the same execution, leased. */
export function claimChanges(
  row: ScheduleRow,
  executionId: string,
  now: number,
  leaseMs: number,
): Partial<ScheduleRow> {
  return {
    status: "executing",
    attempts: row.attempts + 1,
    executionId,
    leaseUntil: now + leaseMs,
    dueAt: null,
    updatedAt: now,
  };
}

/** The Queue message for a claimed row (its attempt number already incremented). */
export function deliveryAttempt(
  userId: string,
  row: ScheduleRow,
  executionId: string,
  attempt: number,
  now: number,
): DeliveryAttempt {
  return {
    scheduleId: row.id,
    executionId,
    attempt,
    body: {
      type: "notification.due",
      scheduleId: row.id,
      executionId,
      userId,
      notificationId: row.notificationId,
      scheduledTime: formatInstant(row.scheduledTime),
      firedAt: formatInstant(now),
      attempt,
      priority: row.priority,
      payload: JSON.parse(row.payload),
      metadata: JSON.parse(row.metadata),
      campaignId: row.campaignId,
      recurringPatternId: row.recurringPatternId,
    },
  };
}

/**
 * What one reported attempt does to the schedule: completed on 2xx; pending again at the backoff
 * time while retries remain for a retryable failure; failed otherwise.
 */
export function outcomeChanges(
  row: ScheduleRow,
  outcome: DeliveryOutcome,
  now: number,
  random: number,
  lostAttempts = 0,
): { schedule: Partial<ScheduleRow>; attempt: Partial<AttemptRow> } {
  const verdict = classifyDelivery(outcome.httpStatus);
  const retryConfig = JSON.parse(row.retryConfig) as RetryConfig;
  // Attempts lost on our side (lease expired, never reported) are not the endpoint's failures.
  const attemptsAtEndpoint = row.attempts - lostAttempts;
  let schedule: Partial<ScheduleRow>;
  if (verdict === "delivered") {
    schedule = { status: "completed", executedAt: outcome.finishedAt, leaseUntil: null, failureReason: null };
  } else if (verdict === "retryable" && hasRetryLeft(retryConfig, attemptsAtEndpoint)) {
    const delay = retryDelayMs(retryConfig, attemptsAtEndpoint, random, outcome.retryAfterMs);
    schedule = { status: "pending", dueAt: now + delay, leaseUntil: null };
  } else {
    const reason = outcome.error ?? `webhook answered HTTP ${outcome.httpStatus}`;
    schedule = { status: "failed", executedAt: outcome.finishedAt, leaseUntil: null, failureReason: reason };
  }
  return {
    schedule: { ...schedule, updatedAt: now },
    attempt: {
      status: verdict === "delivered" ? "completed" : "failed",
      finishedAt: outcome.finishedAt,
      durationMs: outcome.finishedAt - outcome.startedAt,
      httpStatus: outcome.httpStatus,
      error: outcome.error,
    },
  };
}

export function describeErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join("; ");
}
