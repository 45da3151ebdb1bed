import type { attempts, schedules } from "../db/user-schema";
import type { JsonObject } from "../json";
import type { RetryConfig, Schedule, ScheduleStatus, SendTimeSource } from "./model";

export type ScheduleRow = typeof schedules.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

export function rowToSchedule(row: ScheduleRow, userId: string): Schedule {
  return {
    id: row.id,
    userId,
    notificationId: row.notificationId,
    scheduledTime: row.scheduledTime,
    timezone: row.timezone,
    status: row.status as ScheduleStatus,
    priority: row.priority,
    retryConfig: JSON.parse(row.retryConfig) as RetryConfig,
    payload: JSON.parse(row.payload) as JsonObject,
    metadata: JSON.parse(row.metadata) as JsonObject,
    attempts: row.attempts,
    recurringPatternId: row.recurringPatternId,
    campaignId: row.campaignId,
    sendTimeSource: row.sendTimeSource as SendTimeSource,
    idempotencyKey: row.idempotencyKey,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    executedAt: row.executedAt,
    failureReason: row.failureReason,
  };
}

export function attemptView(row: AttemptRow) {
  return {
    id: row.id,
    executionId: row.executionId,
    attempt: row.attempt,
    status: row.status,
    startedAt: new Date(row.startedAt).toISOString(),
    finishedAt: row.finishedAt === null ? null : new Date(row.finishedAt).toISOString(),
    durationMs: row.durationMs,
    httpStatus: row.httpStatus,
    error: row.error,
  };
}

/** A report is about the current attempt only if the row still executes that very attempt. */
export function isCurrentAttempt(
  row: ScheduleRow,
  report: { executionId: string; attempt: number },
): boolean {
  return (
    row.status === "executing" && row.executionId === report.executionId && row.attempts === report.attempt
  );
}

export type AttemptView = ReturnType<typeof attemptView>;
