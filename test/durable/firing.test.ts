import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { ExecutionMessage } from "../../src/lib/schedules/delivery";
import worker from "../../src/workers/index";
import {
  call,
  createTenant,
  deliveries,
  deliveryTargetOfTenant,
  inSeconds,
  programReceiver,
  runUserAlarm,
  userStub,
  waitForDeliveries,
  waitForScheduleStatus,
} from "../support/api";

type Schedule = { id: string; status: string; attempts: number };

/** The user's alarm once its outbox is flushed (an alarm run with nothing due flushes it). */
async function alarmOf(tenantId: string, userId: string): Promise<number | null> {
  await runUserAlarm(tenantId, userId);
  return runInDurableObject(userStub(tenantId, userId), (_instance, state) => state.storage.getAlarm());
}

async function statusOf(key: string, id: string): Promise<Schedule> {
  return (await call<Schedule>("GET", `/v1/schedules/${id}`, { key })).body;
}

describe("invariant 2: the alarm is never later than the earliest thing to do", () => {
  it("follows the earliest pending schedule through creates, pauses and cancels", async () => {
    const t = await createTenant();
    const at = (h: number) => Date.UTC(2027, 5, 1, h);
    const ids: Record<number, string> = {};
    for (const h of [3, 1, 2]) {
      const created = await call<Schedule>("POST", "/v1/schedules", {
        key: t.apiKey,
        body: { userId: "alarmed", notificationId: "n", scheduledTime: new Date(at(h)).toISOString() },
      });
      ids[h] = created.body.id;
    }
    expect(await alarmOf(t.id, "alarmed")).toBe(at(1));
    await call("DELETE", `/v1/schedules/${ids[1]}`, { key: t.apiKey });
    expect(await alarmOf(t.id, "alarmed")).toBe(at(2));
    await call("POST", `/v1/schedules/${ids[2]}/pause`, { key: t.apiKey });
    expect(await alarmOf(t.id, "alarmed")).toBe(at(3));
    await call("POST", `/v1/schedules/${ids[2]}/resume`, { key: t.apiKey });
    expect(await alarmOf(t.id, "alarmed")).toBe(at(2));
    await call("POST", "/v1/schedules/bulk-cancel", { key: t.apiKey, body: { ids: [ids[2], ids[3]] } });
    expect(await alarmOf(t.id, "alarmed")).toBeNull();
  });
});

describe("invariant 1: no accepted schedule is lost", () => {
  it("an object evicted between create and due time still fires, from its stored alarm", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "evicted", notificationId: "n", scheduledTime: inSeconds(1) },
    });
    await evictDurableObject(userStub(t.id, "evicted"));
    // No test hook fires it: the runtime's own alarm, restored from storage, does.
    const [delivery] = await waitForDeliveries(t.sink, 1);
    expect(JSON.parse(delivery!.body).scheduleId).toBe(created.body.id);
    await waitForScheduleStatus(t.apiKey, created.body.id, "completed");
  });

  it("execute-now fires a schedule due next year at once", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "eager", notificationId: "n", scheduledTime: "2027-09-01T00:00:00Z" },
    });
    expect((await call("POST", `/v1/schedules/${created.body.id}/execute`, { key: t.apiKey })).status).toBe(
      202,
    );
    await runUserAlarm(t.id, "eager");
    await waitForDeliveries(t.sink, 1);
    await waitForScheduleStatus(t.apiKey, created.body.id, "completed");
  });
});

describe("invariant 3: a lost attempt is sent again, and a late answer to it is ignored", () => {
  it("re-sends an executing schedule whose lease expired, with the same webhook-id", async () => {
    const t = await createTenant();
    // The first attempt hangs at the receiver while the object that sent it dies.
    await programReceiver(t.sink, [{ status: 200, delayMs: 1500 }, { status: 200 }]);
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "leased", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    const firstRun = runUserAlarm(t.id, "leased").catch(() => false);
    await waitForDeliveries(t.sink, 1);
    expect((await statusOf(t.apiKey, created.body.id)).status).toBe("executing");
    // The object dies mid-delivery (aborted: its in-flight POST is abandoned) and, by the time it
    // comes back, the attempt's lease has run out.
    await runInDurableObject(userStub(t.id, "leased"), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE schedules SET lease_until = ? WHERE status = 'executing'",
        Date.now() - 1,
      );
    });
    await runInDurableObject(userStub(t.id, "leased"), (_instance, state) =>
      state.abort("the object dies holding the attempt"),
    ).catch(() => undefined);
    expect(await firstRun).toBe(false);
    expect(await runUserAlarm(t.id, "leased")).toBe(true);
    const done = await waitForScheduleStatus(t.apiKey, created.body.id, "completed");
    expect(done.attempts).toBe(2);
    const both = await waitForDeliveries(t.sink, 2);
    expect(new Set(both.map((d) => d.headers["webhook-id"])).size).toBe(1);
    // The first attempt's answer died with the object that waited for it: its row says timeout.
    await vi.waitFor(
      async () => {
        const history = await call<{ data: { attempt: number; status: string }[] }>(
          "GET",
          `/v1/schedules/${created.body.id}/executions`,
          { key: t.apiKey },
        );
        expect(history.body.data).toMatchObject([
          { attempt: 1, status: "timeout" },
          { attempt: 2, status: "completed" },
        ]);
      },
      { timeout: 5_000, interval: 100 },
    );
    expect((await statusOf(t.apiKey, created.body.id)).attempts).toBe(2);
    await firstRun;
  });
});

describe("the executor", () => {
  it("retries a 5xx per the schedule's retry policy and completes on the next attempt", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 503 }, { status: 200 }]);
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "retried",
        notificationId: "n",
        scheduledTime: inSeconds(0),
        retryConfig: { maxRetries: 2, backoff: "fixed", initialDelaySeconds: 0, maxDelaySeconds: 0 },
      },
    });
    await runUserAlarm(t.id, "retried");
    // The retry is the object's own alarm, re-armed for the backoff time: nothing here triggers it.
    const done = await waitForScheduleStatus(t.apiKey, created.body.id, "completed");
    expect(done.attempts).toBe(2);
    const received = await deliveries(t.sink);
    expect(received.map((d) => JSON.parse(d.body).attempt)).toEqual([1, 2]);
  });

  it("fails at once on a 4xx other than 408/429", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 410 }]);
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "gone", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    await runUserAlarm(t.id, "gone");
    const failed = await waitForScheduleStatus(t.apiKey, created.body.id, "failed");
    expect(failed.attempts).toBe(1);
    expect(await deliveries(t.sink)).toHaveLength(1);
  });

  it("acknowledges each message on its own, dead letters included", async () => {
    const t = await createTenant();
    const target = await deliveryTargetOfTenant(t.id);
    // Attempts of schedules no object holds: delivered, reported, ignored, acknowledged.
    const message = (id: string): ExecutionMessage => ({
      target,
      tenantId: t.id,
      userId: "nobody",
      scheduleId: id,
      executionId: "exe_x",
      attempt: 1,
      body: {
        type: "notification.due",
        scheduleId: id,
        executionId: "exe_x",
        userId: "nobody",
        notificationId: "n",
        scheduledTime: new Date().toISOString(),
        firedAt: new Date().toISOString(),
        attempt: 1,
        priority: 2,
        payload: {},
        metadata: {},
        campaignId: null,
        recurringPatternId: null,
      },
    });
    for (const queue of ["executions", "executions-dlq"]) {
      const batch = createMessageBatch<ExecutionMessage>(queue, [
        { id: "m1", timestamp: Date.now(), attempts: 1, body: message("sch_a") },
        { id: "m2", timestamp: Date.now(), attempts: 1, body: message("sch_b") },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
      expect(result.retryMessages).toEqual([]);
    }
  });
});
