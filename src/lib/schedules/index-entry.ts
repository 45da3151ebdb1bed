import type { ScheduleRow } from "./rows";
import type { ScheduleView } from "./view";

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

/** From a view (what most RPCs answer); the journey columns are kept as the index has them. */
export function indexEntryOfView(view: ScheduleView): IndexEntry {
  return {
    id: view.id,
    userId: view.userId,
    notificationId: view.notificationId,
    scheduledTime: Date.parse(view.scheduledTime),
    status: view.status,
    campaignId: view.campaignId,
    step: null,
    origin: null,
    recurringPatternId: view.recurringPatternId,
    updatedAt: Date.parse(view.updatedAt),
  };
}
