import { decryptValue, parseKeyring } from "../lib/crypto/encryption";
import { signWebhook } from "../lib/crypto/webhook-signature";
import type { DeliveryAttempt, DeliveryOutcome, DeliveryTarget } from "../lib/schedules/delivery";

/** A delivery target with its secret opened, ready to sign with. */
export interface OpenTarget {
  webhookUrl: string;
  secret: string;
  timeoutMs: number;
}

/** Opened secrets per isolate, by their sealed text (a rotation seals anew, so it never goes stale). */
const openedSecrets = new Map<string, Promise<string>>();

/** Open a target's sealed secret (AES-GCM bound to `<tenantId>:webhook_secret`). */
export async function openTarget(
  encryptionKeys: string | undefined,
  tenantId: string,
  target: DeliveryTarget,
  defaultTimeoutMs: number,
): Promise<OpenTarget> {
  let secret = openedSecrets.get(target.sealedSecret);
  if (!secret) {
    secret = decryptValue(parseKeyring(encryptionKeys), target.sealedSecret, `${tenantId}:webhook_secret`);
    secret.catch(() => openedSecrets.delete(target.sealedSecret));
    if (openedSecrets.size > 1000) openedSecrets.clear();
    openedSecrets.set(target.sealedSecret, secret);
  }
  return {
    webhookUrl: target.webhookUrl,
    secret: await secret,
    timeoutMs: target.timeoutMs ?? defaultTimeoutMs,
  };
}

/**
 * One attempt: a POST signed per Standard Webhooks, its `webhook-id` the execution id (the same
 * across every attempt of one execution, so the receiver can de-duplicate). Never throws: a timeout
 * or a network error is an outcome like an HTTP status.
 */
export async function postWebhook(target: OpenTarget, attempt: DeliveryAttempt): Promise<DeliveryOutcome> {
  const ids = { scheduleId: attempt.scheduleId, executionId: attempt.executionId, attempt: attempt.attempt };
  const startedAt = Date.now();
  const body = JSON.stringify(attempt.body);
  const signature = await signWebhook(target.secret, attempt.executionId, Math.floor(startedAt / 1000), body);
  try {
    const response = await fetch(target.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "notification-scheduler/0.1",
        ...signature,
      },
      body,
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    await drainBody(response);
    const finishedAt = Date.now();
    return {
      ...ids,
      httpStatus: response.status,
      error: response.ok ? null : `HTTP ${response.status}`,
      startedAt,
      finishedAt,
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), finishedAt),
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return {
      ...ids,
      httpStatus: null,
      error: timedOut ? `timed out after ${target.timeoutMs} ms` : `network error: ${String(error)}`,
      startedAt,
      finishedAt: Date.now(),
    };
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Read (and drop) the answer's body so that the connection can be reused for the next delivery;
 * cancelling an unread body closes it. A body past 64 KiB is cancelled: we never need it.
 */
async function drainBody(response: Response, limit = 64 * 1024): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
    if (read > limit) {
      await reader.cancel();
      return;
    }
  }
}
