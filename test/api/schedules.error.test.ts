import { describe, expect, it } from "vitest";
import { call, createTenant, inSeconds } from "../support/api";

type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
};

function expectProblem(
  answer: { status: number; headers: Headers; body: unknown },
  status: number,
  code: string,
  path?: string,
) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get("content-type")).toContain("application/problem+json");
  const problem = answer.body as Problem;
  expect(problem).toMatchObject({ status, code });
  expect(problem.title).toBeTruthy();
  if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
}

describe("bad input gets a 4xx problem naming the field", () => {
  const valid = { userId: "u1", notificationId: "n", scheduledTime: "2027-01-01T00:00:00Z" };

  it.each<[unknown, string]>([
    [{ ...valid, userId: "" }, "userId"],
    [{ ...valid, userId: "has space" }, "userId"],
    [{ ...valid, userId: "x".repeat(129) }, "userId"],
    [{ ...valid, notificationId: undefined }, "notificationId"],
    [{ ...valid, scheduledTime: undefined }, "scheduledTime"],
    [{ ...valid, scheduledTime: "tomorrow" }, "scheduledTime"],
    [{ ...valid, scheduledTime: "2027-02-30T09:00:00" }, "scheduledTime"],
    [{ ...valid, timezone: "Europe/Atlantis" }, "timezone"],
    [{ ...valid, timezone: "+02:00" }, "timezone"],
    [{ ...valid, priority: 9 }, "priority"],
    [{ ...valid, priority: "meh" }, "priority"],
    [{ ...valid, retryConfig: { maxRetries: -1 } }, "retryConfig.maxRetries"],
    [{ ...valid, retryConfig: { backoff: "random" } }, "retryConfig.backoff"],
    [{ ...valid, payload: "a string" }, "payload"],
    [{ ...valid, payload: { big: "x".repeat(70 * 1024) } }, "payload"],
    [{ ...valid, metadata: { big: "x".repeat(17 * 1024) } }, "metadata"],
    [{ ...valid, surprise: true }, "(body)"],
    [{ ...valid, scheduledTime: "2037-01-01T00:00:00Z" }, "scheduledTime"],
  ])("case %# → 400 naming %s", async (body, path) => {
    const t = await createTenant();
    const answer = await call("POST", "/v1/schedules", { key: t.apiKey, body });
    expectProblem(answer, 400, "validation_error", path);
    const list = await call<{ data: unknown[] }>("GET", `/v1/users/${encodeURIComponent("u1")}/schedules`, {
      key: t.apiKey,
    });
    expect(list.body.data).toEqual([]);
  });

  it("says what a scheduledTime must look like", async () => {
    const t = await createTenant();
    for (const scheduledTime of ["yesterday", "", "2027-13-01T09:00:00"]) {
      const answer = await call<Problem>("POST", "/v1/schedules", {
        key: t.apiKey,
        body: { ...valid, scheduledTime },
      });
      expectProblem(answer, 400, "validation_error", "scheduledTime");
      expect(answer.body.errors![0]!.message).toMatch(/ISO 8601/);
    }
  });

  it("refuses a time over a minute in the past, and fires one within the minute", async () => {
    const t = await createTenant();
    const past = await call("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { ...valid, scheduledTime: inSeconds(-120) },
    });
    expectProblem(past, 400, "scheduled_time_in_past", "scheduledTime");
    const recent = await call("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { ...valid, scheduledTime: inSeconds(-30) },
    });
    expect(recent.status).toBe(201);
  });

  it("answers 415 for a non-JSON body, 400 for malformed JSON, 413 past 1 MiB", async () => {
    const t = await createTenant();
    expectProblem(
      await call("POST", "/v1/schedules", {
        key: t.apiKey,
        rawBody: "userId=u1",
        headers: { "content-type": "text/plain" },
      }),
      415,
      "unsupported_media_type",
    );
    expectProblem(
      await call("POST", "/v1/schedules", {
        key: t.apiKey,
        rawBody: "{not json",
        headers: { "content-type": "application/json" },
      }),
      400,
      "invalid_json",
    );
    expectProblem(
      await call("POST", "/v1/schedules", {
        key: t.apiKey,
        body: { ...valid, payload: { x: "y".repeat(1024 * 1024) } },
      }),
      413,
      "payload_too_large",
    );
  });

  it("answers 400 for out-of-range list parameters instead of clamping", async () => {
    const t = await createTenant();
    for (const query of [
      "limit=0",
      "limit=501",
      "limit=abc",
      "status=done",
      "from=yesterday",
      "cursor=garbage",
    ]) {
      expectProblem(
        await call("GET", `/v1/users/u1/schedules?${query}`, { key: t.apiKey }),
        400,
        "validation_error",
      );
    }
  });

  it("answers 404 for ids that never existed and 409 for transitions the status forbids", async () => {
    const t = await createTenant();
    expectProblem(await call("GET", "/v1/schedules/sch_nope", { key: t.apiKey }), 404, "not_found");
    expectProblem(
      await call("GET", `/v1/schedules/sch_${"0".repeat(20)}dTE`, { key: t.apiKey }),
      404,
      "not_found",
    );
    const created = await call<{ id: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { ...valid, scheduledTime: inSeconds(600) },
    });
    // Resuming a pending schedule is idempotent (it already runs); a cancelled one cannot come back.
    expect((await call("POST", `/v1/schedules/${created.body.id}/resume`, { key: t.apiKey })).status).toBe(
      200,
    );
    await call("DELETE", `/v1/schedules/${created.body.id}`, { key: t.apiKey });
    for (const verb of ["pause", "resume", "execute"]) {
      expectProblem(
        await call("POST", `/v1/schedules/${created.body.id}/${verb}`, { key: t.apiKey }),
        409,
        "invalid_state",
      );
    }
    expectProblem(
      await call("PATCH", `/v1/schedules/${created.body.id}`, { key: t.apiKey, body: {} }),
      400,
      "validation_error",
    );
  });

  it("bulk requests are bounded", async () => {
    const t = await createTenant();
    expectProblem(
      await call("POST", "/v1/schedules/bulk", { key: t.apiKey, body: { schedules: [] } }),
      400,
      "validation_error",
      "schedules",
    );
    const tooMany = Array.from({ length: 10_001 }, () => valid);
    expectProblem(
      await call("POST", "/v1/schedules/bulk", { key: t.apiKey, body: { schedules: tooMany } }),
      400,
      "validation_error",
      "schedules",
    );
  });
});
