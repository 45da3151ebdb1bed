import { signWebhook } from "../../lib/crypto/webhook-signature";
import type { DeliveryOutcome, ExecutionMessage } from "../../lib/schedules/delivery";
import { userScheduler } from "../api/user-scheduler";
import { systemStore } from "../db/tenant-store";
import { type Env, numberVar } from "../env";

interface DeliveryTarget {
  webhookUrl: string;
  webhookSecret: string;
  timeoutMs: number;
}

/** Tenant webhook settings, cached per isolate for 10 s (a PATCHed URL applies within that). */
const TARGET_TTL_MS = 10_000;
const targets = new Map<string, { target: DeliveryTarget | null; expires: number }>();

async function deliveryTarget(env: Env, tenantId: string): Promise<DeliveryTarget | null> {
  const now = Date.now();
  const cached = targets.get(tenantId);
  if (cached && cached.expires > now) return cached.target;
  const tenant = await systemStore.findTenant(env.DB, tenantId);
  const target = tenant
    ? {
        webhookUrl: tenant.webhookUrl,
        webhookSecret: tenant.webhookSecret,
        timeoutMs: tenant.settings.webhookTimeoutMs ?? numberVar(env.WEBHOOK_TIMEOUT_MS, 10_000),
      }
    : null;
  targets.set(tenantId, { target, expires: now + TARGET_TTL_MS });
  return target;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** One attempt: a signed POST to the tenant's webhook, its outcome reported to the owning object. */
export async function deliverExecution(env: Env, message: ExecutionMessage): Promise<void> {
  const owner = { tenantId: message.tenantId, userId: message.userId };
  const startedAt = Date.now();
  const target = await deliveryTarget(env, message.tenantId);
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
      // The body is not needed; cancel it so the connection is released.
      await response.body?.cancel();
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
  await userScheduler(env, owner).recordDeliveryOutcome(owner, outcome);
}

function ids(m: ExecutionMessage) {
  return { scheduleId: m.scheduleId, executionId: m.executionId, attempt: m.attempt };
}
