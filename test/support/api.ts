import { runDurableObjectAlarm, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { expect, vi } from "vitest";
import type { DeliveryBody, DeliveryTarget, ExecutionMessage } from "../../src/lib/schedules/delivery";

export const ADMIN_TOKEN = "test-admin-token";

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** One HTTP call to the Worker under test, as a client would make it. */
export async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await SELF.fetch(`https://scheduler.test${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (docs page); keep the text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** The tenant's notification service reports that the user opened a schedule's notification now. */
export async function reportOpened(
  key: string,
  open: { userId: string; notificationType: string; scheduleId: string },
): Promise<void> {
  const answer = await call("POST", "/v1/engagement", {
    key,
    body: { events: [{ ...open, event: "opened", at: new Date().toISOString() }] },
  });
  expect(answer.status).toBe(202);
}

export interface TestTenant {
  id: string;
  apiKey: string;
  webhookSecret: string;
  /** The receiver sink this tenant's webhooks land in. */
  sink: string;
}

let tenantCounter = 0;

/** A fresh tenant whose webhook points at its own sink of the stand-in receiver. */
export async function createTenant(options: { defaultTimezone?: string } = {}): Promise<TestTenant> {
  const sink = `sink-${Date.now().toString(36)}-${tenantCounter++}-${Math.random().toString(36).slice(2, 8)}`;
  const answer = await call<{ tenant: { id: string }; apiKey: string; webhookSecret: string }>(
    "POST",
    "/v1/admin/tenants",
    {
      key: ADMIN_TOKEN,
      body: { name: `tenant ${sink}`, webhookUrl: `http://receiver.test/hooks/${sink}`, ...options },
    },
  );
  expect(answer.status).toBe(201);
  return {
    id: answer.body.tenant.id,
    apiKey: answer.body.apiKey,
    webhookSecret: answer.body.webhookSecret,
    sink,
  };
}

export async function createKey(tenant: TestTenant, role: "admin" | "editor" | "viewer"): Promise<string> {
  const answer = await call<{ key: string }>("POST", "/v1/api-keys", {
    key: tenant.apiKey,
    body: { name: `${role} key`, role },
  });
  expect(answer.status).toBe(201);
  return answer.body.key;
}

export function userStub(tenantId: string, userId: string) {
  return env.USER_SCHEDULER.get(env.USER_SCHEDULER.idFromName(`${tenantId}:${userId}`));
}

/** Run the user's alarm now, as the runtime would at its due time. */
export function runUserAlarm(tenantId: string, userId: string): Promise<boolean> {
  return runDurableObjectAlarm(userStub(tenantId, userId));
}

export interface Delivery {
  receivedAt: number;
  /** When the receiver answered (null while a programmed delay still holds the answer). */
  answeredAt: number | null;
  headers: Record<string, string>;
  body: string;
}

export async function deliveries(sink: string): Promise<Delivery[]> {
  const response = await env.RECEIVER.fetch(`http://receiver.test/__deliveries/${sink}`);
  return response.json();
}

export async function programReceiver(
  sink: string,
  responses: { status: number; headers?: Record<string, string>; delayMs?: number }[],
): Promise<void> {
  await env.RECEIVER.fetch(`http://receiver.test/__program/${sink}`, {
    method: "POST",
    body: JSON.stringify({ responses }),
  });
}

/** Wait (by polling, never a fixed sleep) until the sink holds at least `count` deliveries. */
export async function waitForDeliveries(sink: string, count: number, timeout = 15_000): Promise<Delivery[]> {
  return vi.waitFor(
    async () => {
      const list = await deliveries(sink);
      if (list.length < count) throw new Error(`${list.length}/${count} deliveries so far`);
      return list;
    },
    { timeout, interval: 50 },
  );
}

/** Verify a delivery's Standard Webhooks signature with the reference library, not our own code. */
export function verifySignature(secret: string, delivery: Delivery): Record<string, unknown> {
  const verifier = new Webhook(secret);
  return verifier.verify(delivery.body, {
    "webhook-id": delivery.headers["webhook-id"]!,
    "webhook-timestamp": delivery.headers["webhook-timestamp"]!,
    "webhook-signature": delivery.headers["webhook-signature"]!,
  }) as Record<string, unknown>;
}

export interface ScheduleState {
  id: string;
  status: string;
  attempts: number;
  failureReason: string | null;
}

/** Poll the schedule (never a fixed sleep) until it reaches `status`. */
export async function waitForScheduleStatus(
  key: string,
  id: string,
  status: string,
  timeout = 15_000,
): Promise<ScheduleState> {
  return vi.waitFor(
    async () => {
      const s = (await call<ScheduleState>("GET", `/v1/schedules/${id}`, { key })).body;
      if (s.status !== status) throw new Error(`still ${s.status}`);
      return s;
    },
    { timeout, interval: 50 },
  );
}

export function inSeconds(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** The tenant's delivery target as the API hands it to user objects (read from D1 like the API). */
export async function deliveryTargetOfTenant(tenantId: string): Promise<DeliveryTarget> {
  const row = await env.DB.prepare(
    "SELECT webhook_url, webhook_secret, settings, updated_at FROM tenants WHERE id = ?",
  )
    .bind(tenantId)
    .first<{ webhook_url: string; webhook_secret: string; settings: string; updated_at: number }>();
  if (!row) throw new Error(`no tenant ${tenantId}`);
  return {
    webhookUrl: row.webhook_url,
    sealedSecret: row.webhook_secret,
    timeoutMs: (JSON.parse(row.settings) as { webhookTimeoutMs?: number }).webhookTimeoutMs ?? null,
    version: row.updated_at,
  };
}

/** A Queue message for an attempt the receiver saw (what the object hands the Queue for a large claim). */
export async function executionMessageFor(
  tenantId: string,
  body: DeliveryBody,
  attempt = body.attempt,
): Promise<ExecutionMessage> {
  return {
    tenantId,
    userId: body.userId,
    scheduleId: body.scheduleId,
    executionId: body.executionId,
    attempt,
    body: { ...body, attempt },
    target: await deliveryTargetOfTenant(tenantId),
  };
}
