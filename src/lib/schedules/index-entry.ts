import type { ScheduleRow } from "./rows";

/** One schedule as the tenant-wide index (D1 `schedule_index`) holds it. */
export interface IndexEntry {
  id: string;
  userId: string;
  notificationId: string;
  scheduledTime: number;
  status: string;
  campaignId: string | null;
  step: number | null;
  origin: string | null;
  recurringPatternId: string | null;
  updatedAt: number;
}

export function indexEntryOfRow(row: ScheduleRow, userId: string): IndexEntry {
  return {
    id: row.id,
    userId,
    notificationId: row.notificationId,
    scheduledTime: row.scheduledTime,
    status: row.status,
    campaignId: row.campaignId,
    step: row.step,
    origin: row.origin,
    recurringPatternId: row.recurringPatternId,
    updatedAt: row.updatedAt,
  };
}
