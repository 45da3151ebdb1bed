import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DIRECT_DELIVERY_MAX } from "../../src/durable-objects/execution/dispatch";
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
  verifySignature,
  waitForDeliveries,
  waitForScheduleStatus,
} from "../support/api";
import { breakD1InObject, failingD1 } from "../support/faults";

type Schedule = { id: string; status: string; attempts: number };

async function createDue(t: TestTenant, userId: string, extra: Record<string, unknown> = {}) {
  const created = await call<Schedule>("POST", "/v1/schedules", {
    key: t.apiKey,
    body: { userId, notificationId: "n", scheduledTime: inSeconds(0), ...extra },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** Every pending row of the user is due now (the alarm is left where it was). */
async function makeDueNow(t: TestTenant, userId: string): Promise<void> {
  await runInDurableObject(userStub(t.id, userId), (_instance, state) => {
    state.storage.sql.exec("UPDATE schedules SET due_at = ? WHERE status = 'pending'", Date.now());
  });
}

async function statusOf(t: TestTenant, id: string): Promise<Schedule> {
  return (await call<Schedule>("GET", `/v1/schedules/${id}`, { key: t.apiKey })).body;
}

/** The tenant-wide index as D1 holds it (what GET /v1/schedules and campaign progress read). */
async function indexed(t: TestTenant): Promise<Record<string, string>> {
  const { results } = await env.DB.prepare("SELECT id, status FROM schedule_index WHERE tenant_id = ?")
    .bind(t.id)
    .all<{ id: string; status: string }>();
  return Object.fromEntries(results.map((r) => [r.id, r.status]));
}

async function deadLetterIds(t: TestTenant): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT schedule_id FROM dead_letters WHERE tenant_id = ?")
    .bind(t.id)
    .all<{ schedule_id: string }>();
  return results.map((r) => r.schedule_id);
}

describe("delivery from the user's object", () => {
  it("a burst due at one instant over many users is delivered by the objects themselves, once each", async () => {
    const t = await createTenant();
    const users = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    const ids = await Promise.all(users.map((u) => createDue(t, u, { scheduledTime: inSeconds(3600) })));
    // Due now, and fired by the test rather than the runtime, so that each run is observed whole.
    for (const user of users) await makeDueNow(t, user);
    for (const [i, user] of users.entries()) {
      expect(await runUserAlarm(t.id, user)).toBe(true);
      // Delivered and recorded within the alarm run: no Queue message, no consumer, no report RPC.
      expect((await statusOf(t, ids[i]!)).status).toBe("completed");
    }
    const received = await deliveries(t.sink);
    expect(received.map((d) => JSON.parse(d.body).scheduleId).sort()).toEqual([...ids].sort());
    for (const delivery of received) {
      const body = verifySignature(t.webhookSecret, delivery);
      expect(delivery.headers["webhook-id"]).toBe(body.executionId);
    }
  });

  it("a claim larger than an object delivers goes through the Queue, and each is delivered once", async () => {
    const t = await createTenant();
    const count = DIRECT_DELIVERY_MAX + 5;
    const bulk = await call<{ created: number }>("POST", "/v1/schedules/bulk", {
      key: t.apiKey,
      body: {
        schedules: Array.from({ length: count }, (_, i) => ({
          userId: "spike",
          notificationId: `n${i}`,
          scheduledTime: inSeconds(0),
        })),
      },
    });
    expect(bulk.body.created).toBe(count);
    await runUserAlarm(t.id, "spike");
    const received = await waitForDeliveries(t.sink, count);
    const webhookIds = received.map((d) => d.headers["webhook-id"]);
    expect(new Set(webhookIds).size).toBe(count);
    await vi.waitFor(
      async () => {
        const statuses = Object.values(await indexed(t));
        expect(statuses).toHaveLength(count);
        expect(statuses.every((s) => s === "completed")).toBe(true);
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(await deliveries(t.sink)).toHaveLength(count);
  });

  it("a slow tenant endpoint does not hold up another tenant's deliveries", async () => {
    const slow = await createTenant();
    const fast = await createTenant();
    await programReceiver(
      slow.sink,
      Array.from({ length: 6 }, () => ({ status: 200, delayMs: 5_000 })),
    );
    const slowUsers = Array.from({ length: 6 }, (_, i) => `slow-${i}`);
    const fastUsers = Array.from({ length: 6 }, (_, i) => `fast-${i}`);
    await Promise.all(slowUsers.map((u) => createDue(slow, u)));
    const fastIds = await Promise.all(fastUsers.map((u) => createDue(fast, u)));
    // The runtime's own alarms fire all twelve objects; the slow endpoint holds its six answers.
    await waitForDeliveries(slow.sink, 6);
    for (const id of fastIds) await waitForScheduleStatus(fast.apiKey, id, "completed", 4_000);
    const fastReceived = await deliveries(fast.sink);
    expect(fastReceived).toHaveLength(6);
    expect(fastReceived.every((d) => d.answeredAt !== null)).toBe(true);
    // Every fast delivery was answered while the slow endpoint was still holding all of its own.
    const slowReceived = await deliveries(slow.sink);
    expect(slowReceived.every((d) => d.answeredAt === null)).toBe(true);
  });
});

describe("D1 off the firing path", () => {
  it("with D1 down, due schedules are still delivered on time; index and dead letters catch up after", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 200 }, { status: 200 }, { status: 400 }]);
    const users = ["d1-a", "d1-b", "d1-c"];
    const ids = await Promise.all(users.map((u) => createDue(t, u, { scheduledTime: inSeconds(3600) })));
    await vi.waitFor(async () => expect(Object.keys(await indexed(t))).toHaveLength(3), { timeout: 5_000 });
    for (const user of users) {
      // The object's copy of the target is an hour old (it refreshes from D1 first), then D1 fails.
      await runInDurableObject(userStub(t.id, user), (_instance, state) => {
        state.storage.sql.exec(
          "UPDATE meta SET value = ? WHERE key = 'delivery_target_checked_at'",
          String(Date.now() - 3_600_000),
        );
      });
      await makeDueNow(t, user);
      await evictDurableObject(userStub(t.id, user));
      await breakD1InObject(userStub(t.id, user));
    }
    for (const user of users) await runUserAlarm(t.id, user);
    const statuses = await Promise.all(ids.map((id) => statusOf(t, id)));
    expect(statuses.map((s) => s.status).sort()).toEqual(["completed", "completed", "failed"]);
    expect(statuses.every((s) => s.attempts === 1)).toBe(true);
    expect(await deliveries(t.sink)).toHaveLength(3);
    // D1 did not hear of it: the index still says pending and there is no dead letter yet.
    expect(Object.values(await indexed(t))).toEqual(["pending", "pending", "pending"]);
    expect(await deadLetterIds(t)).toEqual([]);
    // Alarms keep trying while D1 is down (backing off); nothing is lost or sent twice.
    for (const user of users) await runUserAlarm(t.id, user);
    expect(await deliveries(t.sink)).toHaveLength(3);

    for (const user of users) {
      await breakD1InObject(userStub(t.id, user), false);
      await runUserAlarm(t.id, user);
    }
    const failedId = ids[statuses.findIndex((s) => s.status === "failed")]!;
    expect(await deadLetterIds(t)).toEqual([failedId]);
    const index = await indexed(t);
    expect(Object.values(index).sort()).toEqual(["completed", "completed", "failed"]);
    expect(index[failedId]).toBe("failed");
  });

  it("the Queue's consumer delivers with D1 down: the message carries its target", async () => {
    const t = await createTenant();
    const id = await createDue(t, "queued-d1", { scheduledTime: inSeconds(3600) });
    const [due] = await runInDurableObject(userStub(t.id, "queued-d1"), async (_instance, state) => {
      const row = state.storage.sql.exec<{ id: string }>("SELECT id FROM schedules").one();
      return [row.id];
    });
    expect(due).toBe(id);
    const message = await executionMessageFor(t.id, {
      type: "notification.due",
      scheduleId: id,
      executionId: "exe_from_queue",
      userId: "queued-d1",
      notificationId: "n",
      scheduledTime: new Date().toISOString(),
      firedAt: new Date().toISOString(),
      attempt: 1,
      priority: 2,
      payload: {},
      metadata: {},
      campaignId: null,
      recurringPatternId: null,
    });
    const batch = createMessageBatch<ExecutionMessage>("executions", [
      { id: "m1", timestamp: Date.now(), attempts: 1, body: message },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, DB: failingD1() }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    const [delivery] = await waitForDeliveries(t.sink, 1);
    expect(verifySignature(t.webhookSecret, delivery!).executionId).toBe("exe_from_queue");
  });

  it("the outbox: a change whose index write never happened is in D1 after the next alarm", async () => {
    const t = await createTenant();
    // The first write makes the object; then its D1 breaks, as if the flush had died with the Worker.
    const first = await createDue(t, "outboxed", { scheduledTime: inSeconds(3600) });
    await vi.waitFor(async () => expect(Object.keys(await indexed(t))).toEqual([first]), { timeout: 5_000 });
    await breakD1InObject(userStub(t.id, "outboxed"));
    const second = await createDue(t, "outboxed", { scheduledTime: inSeconds(7200) });
    const cancelled = await call("DELETE", `/v1/schedules/${first}`, { key: t.apiKey });
    expect(cancelled.status).toBe(204);
    expect(await indexed(t)).toEqual({ [first]: "pending" });
    // The outbox holds both changes, and the alarm is set to come back for them.
    const alarm = await runInDurableObject(userStub(t.id, "outboxed"), (_instance, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThan(Date.now() + 120_000);
    await breakD1InObject(userStub(t.id, "outboxed"), false);
    expect(await runUserAlarm(t.id, "outboxed")).toBe(true);
    expect(await indexed(t)).toEqual({ [first]: "cancelled", [second]: "pending" });
  });
});
