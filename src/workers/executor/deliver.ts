import { decryptValue, parseKeyring } from "../../lib/crypto/encryption";
import { signWebhook } from "../../lib/crypto/webhook-signature";
import type { DeliveryOutcome, ExecutionMessage, OutcomeReceipt } from "../../lib/schedules/delivery";
import { userScheduler } from "../api/user-scheduler";
import { systemStore, tenantStore } from "../db/tenant-store";
import { type Env, numberVar } from "../env";

interface DeliveryTarget {
  webhookUrl: string;
  webhookSecret: string;
  timeoutMs: number;
}

/**
 * Tenant webhook settings per isolate. D1 is not on the firing path (DESIGN): an entry is fresh for
 * 10 s, then served while one background refresh runs (a PATCHed URL applies within ~10 s), and a
 * cold lookup is shared by every message that needs it instead of one query per message.
 */
const FRESH_MS = 10_000;
const SERVE_STALE_MS = 10 * 60_000;
interface TargetEntry {
  target: DeliveryTarget | null;
  fetchedAt: number;
  refresh?: Promise<DeliveryTarget | null>;
}
const targets = new Map<string, TargetEntry>();

function loadTarget(
  env: Env,
  tenantId: string,
  entry: TargetEntry | undefined,
): Promise<DeliveryTarget | null> {
  if (entry?.refresh) return entry.refresh;
  const refresh = systemStore
    .findTenant(env.DB, tenantId)
    .then(async (tenant) => {
      const target = tenant
        ? {
            webhookUrl: tenant.webhookUrl,
            webhookSecret: await decryptValue(
              parseKeyring(env.ENCRYPTION_KEYS),
              tenant.webhookSecret,
              `${tenant.id}:webhook_secret`,
            ),
            timeoutMs: tenant.settings.webhookTimeoutMs ?? numberVar(env.WEBHOOK_TIMEOUT_MS, 10_000),
          }
        : null;
      targets.set(tenantId, { target, fetchedAt: Date.now() });
      return target;
    })
    .catch((error: unknown) => {
      const current = targets.get(tenantId);
      if (current) current.refresh = undefined;
      throw error;
    });
  targets.set(tenantId, { target: entry?.target ?? null, fetchedAt: entry?.fetchedAt ?? 0, refresh });
  return refresh;
}

async function deliveryTarget(
  env: Env,
  tenantId: string,
  ctx?: ExecutionContext,
): Promise<DeliveryTarget | null> {
  const entry = targets.get(tenantId);
  const age = entry ? Date.now() - entry.fetchedAt : Number.POSITIVE_INFINITY;
  if (entry && age < FRESH_MS) return entry.target;
  if (entry && entry.fetchedAt > 0 && age < SERVE_STALE_MS) {
    const refresh = loadTarget(env, tenantId, entry).catch((error: unknown) => {
      console.error(JSON.stringify({ msg: "tenant refresh failed", tenantId, error: String(error) }));
      return null;
    });
    ctx?.waitUntil(refresh);
    return entry.target;
  }
  return loadTarget(env, tenantId, entry);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

export interface StatusChange {
  id: string;
  status: string;
  updatedAt: number;
}

/** One attempt: a signed POST to the tenant's webhook, its outcome reported to the owning object. */
export async function deliverExecution(
  env: Env,
  message: ExecutionMessage,
  ctx?: ExecutionContext,
  /** Collects the status each delivery left its schedule in, for the schedule index. */
  statusChanges?: StatusChange[],
): Promise<DeliveryOutcome> {
  const owner = { tenantId: message.tenantId, userId: message.userId };
  const startedAt = Date.now();
  const target = await deliveryTarget(env, message.tenantId, ctx);
  let outcome: DeliveryOutcome;
  if (!target) {
    outcome = {
      ...ids(message),
      httpStatus: null,
      error: "tenant no longer exists",
      startedAt,
      finishedAt: Date.now(),
    };
  } else {
    const body = JSON.stringify(message.body);
    const signature = await signWebhook(
      target.webhookSecret,
      message.executionId,
      Math.floor(startedAt / 1000),
      body,
    );
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
      outcome = {
        ...ids(message),
        httpStatus: response.status,
        error: response.ok ? null : `HTTP ${response.status}`,
        startedAt,
        finishedAt,
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), finishedAt),
      };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      outcome = {
        ...ids(message),
        httpStatus: null,
        error: timedOut ? `timed out after ${target.timeoutMs} ms` : `network error: ${String(error)}`,
        startedAt,
        finishedAt: Date.now(),
      };
    }
  }
  const receipt = await userScheduler(env, owner).recordDeliveryOutcome(owner, outcome);
  await recordDeadLetter(env, message.tenantId, receipt);
  if (receipt.applied && receipt.status && receipt.updatedAt) {
    statusChanges?.push({ id: message.scheduleId, status: receipt.status, updatedAt: receipt.updatedAt });
  }
  return outcome;
}

/**
 * A failed execution becomes a dead letter in D1 (only on failure: D1 stays off the success path).
 * If this write fails the message is retried; the object answers the same failure again and the
 * insert, keyed by execution, happens once.
 */
export async function recordDeadLetter(env: Env, tenantId: string, receipt: OutcomeReceipt): Promise<void> {
  if (receipt.failure) await tenantStore(env.DB, tenantId).recordDeadLetter(receipt.failure);
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

function ids(m: ExecutionMessage) {
  return { scheduleId: m.scheduleId, executionId: m.executionId, attempt: m.attempt };
}
