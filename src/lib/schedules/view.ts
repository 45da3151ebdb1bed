import { formatInstant, formatLocal } from "../time/zones";
import type { Schedule } from "./model";

/** The public JSON shape of a schedule (API.md), from the domain record. */
export function scheduleView(s: Schedule) {
  return {
    id: s.id,
    userId: s.userId,
    notificationId: s.notificationId,
    scheduledTime: formatInstant(s.scheduledTime),
    timezone: s.timezone,
    localTime: formatLocal(s.scheduledTime, s.timezone),
    status: s.status,
    priority: s.priority,
    retryConfig: s.retryConfig,
    payload: s.payload,
    metadata: s.metadata,
    attempts: s.attempts,
    recurringPatternId: s.recurringPatternId,
    campaignId: s.campaignId,
    sendTimeSource: s.sendTimeSource,
    createdAt: formatInstant(s.createdAt),
    updatedAt: formatInstant(s.updatedAt),
    executedAt: s.executedAt === null ? null : formatInstant(s.executedAt),
    failureReason: s.failureReason,
  };
}

export type ScheduleView = ReturnType<typeof scheduleView>;
