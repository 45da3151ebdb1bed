import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  getQueueResult,
  type MessageBatchMessage,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { ExecutionMessage } from "../../src/lib/schedules/delivery";
import worker from "../../src/workers/index";
import {
  call,
  createTenant,
  deliveries,
  executionMessageFor,
  inSeconds,
  programReceiver,
  runUserAlarm,
  type TestTenant,
  userStub,
  waitForDeliveries,
  waitForScheduleStatus,
} from "../support/api";

type Schedule = { id: string; status: string; attempts: number };
type Attempt = { attempt: number; status: string; httpStatus: number | null; executionId: string };

function create(t: TestTenant, userId: string, retryConfig: Record<string, unknown>) {
  return call<Schedule>("POST", "/v1/schedules", {
    key: t.apiKey,
    body: { userId, notificationId: "n", scheduledTime: inSeconds(0), retryConfig },
  });
}

describe("retries", () => {
  it("500, 500, then 200: three attempts of one execution, spaced by the configured backoff", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 500 }, { status: 500 }, { status: 200 }]);
    const created = await create(t, "flaky", {
      maxRetries: 3,
      backoff: "linear",
      initialDelaySeconds: 1,
      maxDelaySeconds: 10,
    });
    await runUserAlarm(t.id, "flaky");
    const done = await waitForScheduleStatus(t.apiKey, created.body.id, "completed", 20_000);
    expect(done.attempts).toBe(3);
    const received = await deliveries(t.sink);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((d) => d.headers["webhook-id"])).size).toBe(1);
    // linear: 1 s before the first retry, 2 s before the second (measured at the receiver).
    expect(received[1]!.receivedAt - received[0]!.receivedAt).toBeGreaterThanOrEqual(1000);
    expect(received[2]!.receivedAt - received[1]!.receivedAt).toBeGreaterThanOrEqual(2000);
    const history = await call<{ data: Attempt[] }>("GET", `/v1/schedules/${created.body.id}/executions`, {
      key: t.apiKey,
    });
    expect(history.body.data.map((a) => [a.attempt, a.status, a.httpStatus])).toEqual([
      [1, "failed", 500],
      [2, "failed", 500],
      [3, "completed", 200],
    ]);
  });

  it("429 with Retry-After: 2 waits at least 2 s even with a shorter backoff", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 429, headers: { "retry-after": "2" } }, { status: 200 }]);
    const created = await create(t, "limited", {
      maxRetries: 2,
      backoff: "fixed",
      initialDelaySeconds: 0,
      maxDelaySeconds: 0,
    });
    await runUserAlarm(t.id, "limited");
    await waitForScheduleStatus(t.apiKey, created.body.id, "completed", 20_000);
    const [first, second] = await deliveries(t.sink);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(2000);
  });

  it("an object evicted while it waits to retry still retries", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 503 }, { status: 200 }]);
    const created = await create(t, "evicted-retry", {
      maxRetries: 1,
      backoff: "fixed",
      initialDelaySeconds: 1,
      maxDelaySeconds: 1,
    });
    await runUserAlarm(t.id, "evicted-retry");
    await vi.waitFor(
      async () => {
        const s = (await call<Schedule>("GET", `/v1/schedules/${created.body.id}`, { key: t.apiKey })).body;
        if (s.status !== "pending" || s.attempts !== 1) throw new Error(`${s.status}/${s.attempts}`);
      },
      { timeout: 10_000, interval: 20 },
    );
    await evictDurableObject(userStub(t.id, "evicted-retry"));
    const done = await waitForScheduleStatus(t.apiKey, created.body.id, "completed", 20_000);
    expect(done.attempts).toBe(2);
  });
});

describe("messages that waited long in the Queue", () => {
  it("deliver if their attempt is still current (lease renewed), and are dropped if it was superseded", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 200, delayMs: 1000 }]);
    const created = await create(t, "queued", {
      maxRetries: 3,
      backoff: "fixed",
      initialDelaySeconds: 1,
      maxDelaySeconds: 1,
    });
    // The object's own delivery hangs meanwhile (as if the attempt had gone to the Queue instead).
    const alarm = runUserAlarm(t.id, "queued");
    const [first] = await vi.waitFor(async () => {
      const got = await deliveries(t.sink);
      if (got.length === 0) throw new Error("not yet");
      return got;
    });
    const body = JSON.parse(first!.body);
    const message = async (attempt: number): Promise<MessageBatchMessage<ExecutionMessage>> => ({
      id: `late-${attempt}`,
      timestamp: Date.now() - 100_000, // waited 100 s: more than half of the 120 s lease
      attempts: 1,
      body: await executionMessageFor(t.id, body, attempt),
    });
    // Attempt 0 never existed as the current one: superseded, acknowledged, not delivered.
    const stale = createMessageBatch<ExecutionMessage>("executions", [await message(0)]);
    const ctx = createExecutionContext();
    await worker.queue(stale, env, ctx);
    expect((await getQueueResult(stale, ctx)).explicitAcks).toEqual(["late-0"]);
    expect(await deliveries(t.sink)).toHaveLength(1);
    // Attempt 1 is still executing (its first delivery hangs): still current, so it goes out.
    const current = createMessageBatch<ExecutionMessage>("executions", [await message(1)]);
    const ctx2 = createExecutionContext();
    await worker.queue(current, env, ctx2);
    expect((await getQueueResult(current, ctx2)).explicitAcks).toEqual(["late-1"]);
    expect(await deliveries(t.sink)).toHaveLength(2);
    await waitForScheduleStatus(t.apiKey, created.body.id, "completed", 20_000);
    await alarm;
  });
});

describe("a consumer that dies mid-batch", () => {
  it("is redelivered the whole batch: each schedule is delivered again and completes exactly once", async () => {
    const t = await createTenant();
    // The first consumer's two POSTs hang: it "dies" with the batch in flight, nothing acknowledged.
    await programReceiver(t.sink, [
      { status: 200, delayMs: 1500 },
      { status: 200, delayMs: 1500 },
    ]);
    const retry = { maxRetries: 3, backoff: "fixed", initialDelaySeconds: 1, maxDelaySeconds: 1 };
    const ids = [(await create(t, "batch-a", retry)).body.id, (await create(t, "batch-b", retry)).body.id];
    const firstTry = await waitForDeliveries(t.sink, 2);
    // The Queue hands the same messages out again (attempts: 2) to another consumer.
    const redelivered = createMessageBatch<ExecutionMessage>(
      "executions",
      await Promise.all(
        firstTry.map(async (d, i) => ({
          id: `redelivered-${i}`,
          timestamp: new Date(),
          attempts: 2,
          body: await executionMessageFor(t.id, JSON.parse(d.body)),
        })),
      ),
    );
    const ctx = createExecutionContext();
    await worker.queue(redelivered, env, ctx);
    expect((await getQueueResult(redelivered, ctx)).explicitAcks.sort()).toEqual([
      "redelivered-0",
      "redelivered-1",
    ]);
    for (const id of ids) {
      const done = await waitForScheduleStatus(t.apiKey, id, "completed", 10_000);
      expect(done.attempts).toBe(1);
    }
    // The hung first POSTs finish and report too: stale by then, ignored; history stays one row each.
    await vi.waitFor(
      async () => {
        const all = await deliveries(t.sink);
        if (all.length < 4 || all.some((d) => d.answeredAt === null)) throw new Error("POSTs still hanging");
      },
      { timeout: 5_000, interval: 20 },
    );
    for (const id of ids) {
      const history = await call<{ data: Attempt[] }>("GET", `/v1/schedules/${id}/executions`, {
        key: t.apiKey,
      });
      expect(history.body.data.map((a) => [a.attempt, a.status])).toEqual([[1, "completed"]]);
    }
    const received = await deliveries(t.sink);
    const byWebhookId = new Map<string, number>();
    for (const d of received)
      byWebhookId.set(d.headers["webhook-id"]!, (byWebhookId.get(d.headers["webhook-id"]!) ?? 0) + 1);
    expect([...byWebhookId.values()]).toEqual([2, 2]);
  });
});
