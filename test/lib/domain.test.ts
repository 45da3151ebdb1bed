import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { forEachConcurrently } from "../../src/lib/concurrency";
import { newWebhookSecret, signWebhook } from "../../src/lib/crypto/webhook-signature";
import { newScheduleId, userIdFromScheduleId } from "../../src/lib/ids";
import { webhookUrlProblem } from "../../src/lib/net/webhook-url";
import { classifyDelivery, hasRetryLeft, retryDelayMs } from "../../src/lib/retry/policy";
import { nextAlarmAfterChange, wakeTime } from "../../src/lib/schedules/alarm";
import { chunkForQueue } from "../../src/lib/schedules/delivery";
import { DEFAULT_RETRY_CONFIG, type RetryConfig } from "../../src/lib/schedules/model";
import type { ScheduleRow } from "../../src/lib/schedules/rows";
import { outcomeChanges } from "../../src/lib/schedules/transitions";

describe("schedule ids", () => {
  it("carry their user so the owning object is found from the id alone", () => {
    for (const userId of ["u1", "alice@example.com", "a:b+c-d_e.f", "x".repeat(128)]) {
      const id = newScheduleId(userId);
      expect(id).toMatch(/^sch_[0-9a-z]{20}[A-Za-z0-9_-]+$/);
      expect(userIdFromScheduleId(id)).toBe(userId);
    }
  });

  it("reject anything that does not decode to a valid user id", () => {
    expect(userIdFromScheduleId("sch_short")).toBeNull();
    expect(userIdFromScheduleId("abc_0123456789abcdefghijdTE")).toBeNull();
    expect(userIdFromScheduleId(`sch_${"0".repeat(20)}%%%`)).toBeNull();
    expect(userIdFromScheduleId(`sch_${"0".repeat(20)}${btoa("bad user").replace(/=+$/, "")}`)).toBeNull();
  });
});

describe("webhook signatures", () => {
  it("verify with the Standard Webhooks reference library", async () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: "notification.due", n: 1 });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = await signWebhook(secret, "exe_1", timestamp, body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual({ type: "notification.due", n: 1 });
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
  });
});

describe("retry policy", () => {
  const config = (backoff: RetryConfig["backoff"]): RetryConfig => ({
    maxRetries: 5,
    backoff,
    initialDelaySeconds: 2,
    maxDelaySeconds: 10,
  });

  it("classifies answers per the API contract", () => {
    expect([200, 204, 299].map(classifyDelivery)).toEqual(["delivered", "delivered", "delivered"]);
    expect([408, 429, 500, 503, null].map(classifyDelivery)).toEqual(Array(5).fill("retryable"));
    expect([400, 401, 404, 410, 422].map(classifyDelivery)).toEqual(Array(5).fill("permanent"));
  });

  it("computes each backoff, capped, with Retry-After as a floor", () => {
    expect([1, 2, 3].map((r) => retryDelayMs(config("fixed"), r, 0.5))).toEqual([2000, 2000, 2000]);
    expect([1, 2, 3].map((r) => retryDelayMs(config("linear"), r, 0.5))).toEqual([2000, 4000, 6000]);
    expect([1, 2, 3, 4].map((r) => retryDelayMs(config("exponential"), r, 0.5))).toEqual([
      2000, 4000, 8000, 10000,
    ]);
    expect(retryDelayMs(config("jittered"), 3, 0.25)).toBe(2000);
    expect(retryDelayMs(config("fixed"), 1, 0.5, 7000)).toBe(7000);
  });

  it("counts maxRetries after the first attempt", () => {
    expect(hasRetryLeft(DEFAULT_RETRY_CONFIG, 3)).toBe(true);
    expect(hasRetryLeft(DEFAULT_RETRY_CONFIG, 4)).toBe(false);
  });
});

describe("attempts lost on our side", () => {
  const row = (attempts: number) =>
    ({
      attempts,
      retryConfig: JSON.stringify({ ...DEFAULT_RETRY_CONFIG, maxRetries: 1 }),
    }) as ScheduleRow;
  const failure = {
    scheduleId: "s",
    executionId: "e",
    attempt: 2,
    httpStatus: 500,
    error: "HTTP 500",
    startedAt: 0,
    finishedAt: 1,
  };

  it("do not use the retry budget: a 500 after a lost attempt is retried, not failed", () => {
    // maxRetries 1 allows two attempts at the endpoint. Attempt 1 was lost (lease expired), attempt 2 got a 500.
    expect(outcomeChanges(row(2), failure, 10, 0.5, 0).schedule.status).toBe("failed");
    expect(outcomeChanges(row(2), failure, 10, 0.5, 1).schedule.status).toBe("pending");
  });
});

describe("webhook URL guard", () => {
  it("allows public https and refuses private targets unless allowed", () => {
    expect(webhookUrlProblem("https://hooks.example.com/x", false)).toBeNull();
    expect(webhookUrlProblem("http://hooks.example.com/x", false)).toMatch(/https/);
    for (const host of [
      "127.0.0.1",
      "localhost",
      "10.1.2.3",
      "192.168.0.1",
      "172.20.0.1",
      "169.254.169.254",
      "[::1]",
    ]) {
      expect(webhookUrlProblem(`https://${host}/x`, false)).toMatch(/public/);
      expect(webhookUrlProblem(`http://${host}/x`, true)).toBeNull();
    }
    expect(webhookUrlProblem("ftp://example.com", true)).toMatch(/https/);
    expect(webhookUrlProblem("not a url", true)).toMatch(/absolute/);
  });
});

describe("queue batching", () => {
  it("keeps every sendBatch within 100 messages and the byte budget", () => {
    const small = Array.from({ length: 250 }, (_, i) => ({ i }));
    expect(chunkForQueue(small).map((c) => c.length)).toEqual([100, 100, 50]);
    const big = Array.from({ length: 10 }, () => ({ blob: "x".repeat(70_000) }));
    const chunks = chunkForQueue(big);
    expect(chunks.flat()).toHaveLength(10);
    for (const chunk of chunks) expect(JSON.stringify(chunk).length).toBeLessThanOrEqual(240_000);
  });

  it("runs work with bounded concurrency", async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently([...Array(20).keys()], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await Promise.resolve();
      seen.push(n);
      running--;
    });
    expect(peak).toBeLessThanOrEqual(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });
});

describe("alarm bookkeeping without a query", () => {
  it("knows the next alarm after additions and after removals of later times", () => {
    expect(nextAlarmAfterChange(100, [], [50])).toEqual({ next: 50 });
    expect(nextAlarmAfterChange(100, [], [150])).toEqual({ next: 100 });
    expect(nextAlarmAfterChange(null, [], [150, 120])).toEqual({ next: 120 });
    expect(nextAlarmAfterChange(100, [200], [])).toEqual({ next: 100 });
    expect(nextAlarmAfterChange(100, [200], [300])).toEqual({ next: 100 });
    expect(nextAlarmAfterChange(100, [null], [null])).toEqual({ next: 100 });
    expect(nextAlarmAfterChange(null, [], [])).toEqual({ next: null });
  });

  it("asks SQLite when the earliest may have gone or nothing is known", () => {
    expect(nextAlarmAfterChange(100, [100], [])).toBe("recompute");
    expect(nextAlarmAfterChange(100, [50], [300])).toBe("recompute");
    expect(nextAlarmAfterChange(undefined, [], [5])).toBe("recompute");
    expect(nextAlarmAfterChange(null, [5], [])).toBe("recompute");
  });

  it("reads a row's wake time from its status", () => {
    expect(wakeTime({ status: "pending", dueAt: 5, leaseUntil: null })).toBe(5);
    expect(wakeTime({ status: "executing", dueAt: null, leaseUntil: 9 })).toBe(9);
    expect(wakeTime({ status: "paused", dueAt: null, leaseUntil: null })).toBeNull();
    expect(wakeTime({ status: "completed", dueAt: 3, leaseUntil: 4 })).toBeNull();
  });
});
