import {
  createExecutionContext,
  createMessageBatch,
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
  executionMessageFor,
  inSeconds,
  programReceiver,
  runUserAlarm,
  type TestTenant,
  userStub,
  waitForDeliveries,
  waitForScheduleStatus,
} from "../support/api";

type Schedule = { id: string; status: string; attempts: number; failureReason: string | null };
type DeadLetter = {
  id: string;
  scheduleId: string;
  executionId: string;
  reason: string;
  attempts: number;
  lastHttpStatus: number | null;
  retriedAt: string | null;
};

async function deadLettersOf(t: TestTenant): Promise<DeadLetter[]> {
  return vi.waitFor(
    async () => {
      const list = await call<{ data: DeadLetter[] }>("GET", "/v1/dead-letters", { key: t.apiKey });
      if (list.body.data.length === 0) throw new Error("no dead letter yet");
      return list.body.data;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe("dead letters", () => {
  it("a 410 fails at once into a dead letter, which can be sent again as a new execution", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 410 }, { status: 200 }]);
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "gone", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    await runUserAlarm(t.id, "gone");
    const failed = await waitForScheduleStatus(t.apiKey, created.body.id, "failed");
    expect(failed.failureReason).toMatch(/410/);
    const [letter] = await deadLettersOf(t);
    expect(letter).toMatchObject({
      scheduleId: created.body.id,
      attempts: 1,
      lastHttpStatus: 410,
      retriedAt: null,
    });

    const retried = await call<Schedule>("POST", `/v1/dead-letters/${letter!.id}/retry`, { key: t.apiKey });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: "pending", attempts: 0, failureReason: null });
    await runUserAlarm(t.id, "gone");
    await waitForScheduleStatus(t.apiKey, created.body.id, "completed");
    const [first, second] = await waitForDeliveries(t.sink, 2);
    expect(second!.headers["webhook-id"]).not.toBe(first!.headers["webhook-id"]);
    const after = await call<{ data: DeadLetter[] }>("GET", "/v1/dead-letters", { key: t.apiKey });
    expect(after.body.data[0]!.retriedAt).not.toBeNull();
    expect((await call("POST", `/v1/dead-letters/${letter!.id}/retry`, { key: t.apiKey })).status).toBe(409);
  });

  it("history stays bounded: a requeued schedule keeps its newest 50 attempts", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 410 }]);
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "long-history", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    await waitForScheduleStatus(t.apiKey, created.body.id, "failed");
    const [letter] = await deadLettersOf(t);
    // 60 older executions' attempts, as years of requeues would leave them.
    await runInDurableObject(userStub(t.id, "long-history"), (_instance, state) => {
      for (let i = 0; i < 60; i++) {
        state.storage.sql.exec(
          `INSERT INTO attempts (schedule_id, attempt, id, execution_id, status, started_at, finished_at)
           VALUES (?, 1, ?, ?, 'failed', ?, ?)`,
          created.body.id,
          `att_old${i}`,
          `exe_old${i}`,
          Date.now() - 86_400_000 + i,
          Date.now() - 86_400_000 + i,
        );
      }
    });
    await call("POST", `/v1/dead-letters/${letter!.id}/retry`, { key: t.apiKey });
    await waitForScheduleStatus(t.apiKey, created.body.id, "completed");
    const history = await call<{ data: { executionId: string }[] }>(
      "GET",
      `/v1/schedules/${created.body.id}/executions`,
      { key: t.apiKey },
    );
    expect(history.body.data).toHaveLength(50);
    // The newest survive: the real 410 attempt and the requeued delivery; the oldest went first.
    const kept = new Set(history.body.data.map((a) => a.executionId));
    expect(kept.has("exe_old0")).toBe(false);
    expect(kept.has("exe_old59")).toBe(true);
  });

  it("history stays bounded in time: attempts finished more than 90 days ago are compacted away", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "old-history", notificationId: "n", scheduledTime: inSeconds(3600) },
    });
    const day = 86_400_000;
    await runInDurableObject(userStub(t.id, "old-history"), (_instance, state) => {
      for (const [id, age] of [
        ["exe_91_days", 91 * day],
        ["exe_89_days", 89 * day],
      ] as const) {
        state.storage.sql.exec(
          `INSERT INTO attempts (schedule_id, attempt, id, execution_id, status, started_at, finished_at)
           VALUES (?, 1, ?, ?, 'completed', ?, ?)`,
          created.body.id,
          `att_${id}`,
          id,
          Date.now() - age,
          Date.now() - age,
        );
      }
    });
    await runUserAlarm(t.id, "old-history");
    const history = await call<{ data: { executionId: string }[] }>(
      "GET",
      `/v1/schedules/${created.body.id}/executions`,
      { key: t.apiKey },
    );
    expect(history.body.data.map((a) => a.executionId)).toEqual(["exe_89_days"]);
  });

  it("exhausted retries end failed with one dead letter counting every attempt", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 500 }, { status: 502 }, { status: 503 }]);
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "flaky",
        notificationId: "n",
        scheduledTime: inSeconds(0),
        retryConfig: { maxRetries: 2, backoff: "fixed", initialDelaySeconds: 0, maxDelaySeconds: 0 },
      },
    });
    await runUserAlarm(t.id, "flaky");
    const failed = await waitForScheduleStatus(t.apiKey, created.body.id, "failed");
    expect(failed.attempts).toBe(3);
    const letters = await deadLettersOf(t);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ attempts: 3, lastHttpStatus: 503 });
  });

  it("a message the Queue gave up on fails its schedule into a dead letter; the late answer changes nothing", async () => {
    const t = await createTenant();
    await programReceiver(t.sink, [{ status: 200, delayMs: 1500 }]);
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "stuck", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    // The object delivers it itself; its answer hangs while the Queue gives up on the same attempt.
    const alarm = runUserAlarm(t.id, "stuck");
    const [delivery] = await waitForDeliveries(t.sink, 1);
    const body = JSON.parse(delivery!.body) as ExecutionMessage["body"];
    const batch = createMessageBatch<ExecutionMessage>("executions-dlq", [
      { id: "dead-1", timestamp: Date.now(), attempts: 11, body: await executionMessageFor(t.id, body) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dead-1"]);
    const failed = await waitForScheduleStatus(t.apiKey, created.body.id, "failed");
    expect(failed.failureReason).toMatch(/could not process/);
    const [letter] = await deadLettersOf(t);
    expect(letter).toMatchObject({ scheduleId: created.body.id, executionId: body.executionId });
    // The hung attempt answers 200 at last: a stale report for a failed execution.
    await vi.waitFor(
      async () => {
        const history = await call<{ data: { status: string }[] }>(
          "GET",
          `/v1/schedules/${created.body.id}/executions`,
          {
            key: t.apiKey,
          },
        );
        expect(history.body.data.map((a) => a.status)).toEqual(["failed"]);
      },
      { timeout: 5_000 },
    );
    expect((await waitForScheduleStatus(t.apiKey, created.body.id, "failed")).attempts).toBe(1);
    await alarm;
  });

  it("another tenant's dead letter is a 404", async () => {
    const owner = await createTenant();
    const intruder = await createTenant();
    await programReceiver(owner.sink, [{ status: 400 }]);
    await call("POST", "/v1/schedules", {
      key: owner.apiKey,
      body: { userId: "x", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    await runUserAlarm(owner.id, "x");
    const [letter] = await deadLettersOf(owner);
    expect(
      (await call("POST", `/v1/dead-letters/${letter!.id}/retry`, { key: intruder.apiKey })).status,
    ).toBe(404);
    const theirs = await call<{ data: unknown[] }>("GET", "/v1/dead-letters", { key: intruder.apiKey });
    expect(theirs.body.data).toEqual([]);
  });
});
