import type { JsonObject } from "../json";

/** What the Queue carries from a user's object to the executor: everything needed to deliver. */
export interface ExecutionMessage {
  tenantId: string;
  userId: string;
  scheduleId: string;
  executionId: string;
  attempt: number;
  body: DeliveryBody;
}

/** The webhook body (API.md "Delivery"). */
export interface DeliveryBody {
  type: "notification.due";
  scheduleId: string;
  executionId: string;
  userId: string;
  notificationId: string;
  scheduledTime: string;
  firedAt: string;
  attempt: number;
  priority: number;
  payload: JsonObject;
  metadata: JsonObject;
  campaignId: string | null;
  recurringPatternId: string | null;
}

/** What the executor reports back to the owning object after one attempt. */
export interface DeliveryOutcome {
  scheduleId: string;
  executionId: string;
  attempt: number;
  /** Null when no HTTP answer arrived (timeout, network error). */
  httpStatus: number | null;
  error: string | null;
  startedAt: number;
  finishedAt: number;
  retryAfterMs?: number;
}

/** A failed execution, as a dead letter records it. */
export interface ExecutionFailure {
  scheduleId: string;
  executionId: string;
  userId: string;
  notificationId: string;
  reason: string;
  attempts: number;
  lastHttpStatus: number | null;
  failedAt: number;
}

/** What the owning object answers to a report: whether it changed anything, and any failure to record. */
export interface OutcomeReceipt {
  applied: boolean;
  status?: string;
  /** When the object recorded the change (the schedule index's version of the row). */
  updatedAt?: number;
  failure?: ExecutionFailure;
}

/** Split messages into sendBatch calls within the Queue's limits (100 messages, 256 KB a batch). */
export function chunkForQueue<T>(messages: T[], maxCount = 100, maxBytes = 240_000): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = JSON.stringify(message).length + 100;
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
