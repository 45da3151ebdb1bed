import type { JsonObject } from "../json";

/**
 * Where and how a tenant's notifications are delivered, as the user's object keeps it: the secret
 * stays sealed (AES-GCM, bound to the tenant) until the moment of signing. `version` is the tenant
 * record's updatedAt, so a newer copy always replaces an older one whichever path brings it.
 */
export interface DeliveryTarget {
  webhookUrl: string;
  sealedSecret: string;
  /** The tenant's own timeout per attempt; null: the deployment's WEBHOOK_TIMEOUT_MS. */
  timeoutMs: number | null;
  version: number;
}

/** One attempt to deliver: its ids and the body the tenant receives. */
export interface DeliveryAttempt {
  scheduleId: string;
  executionId: string;
  attempt: number;
  body: DeliveryBody;
}

/**
 * What the Queue carries from a user's object to the executor: everything needed to deliver,
 * the target included, so that the consumer never reads D1 (a D1 outage must not fail deliveries).
 */
export interface ExecutionMessage extends DeliveryAttempt {
  tenantId: string;
  userId: string;
  target: DeliveryTarget;
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

/**
 * What the owning object answers to a report: whether it changed anything. Index rows and dead
 * letters are the object's own business (its outbox), so a reporter has nothing more to write.
 */
export interface OutcomeReceipt {
  applied: boolean;
}

const utf8 = new TextEncoder();

/**
 * Split messages into sendBatch calls within the Queue's limits (100 messages, 256 KB a batch).
 * The limits are in bytes on the wire, so sizes are UTF-8 bytes, not UTF-16 string units: a
 * payload in Chinese or emoji is up to three times longer in bytes than in `.length`.
 */
export function chunkForQueue<T>(messages: T[], maxCount = 100, maxBytes = 240_000): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = utf8.encode(JSON.stringify(message)).byteLength + 100;
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
