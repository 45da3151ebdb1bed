import { describe, expect, it } from "vitest";
import { call, createTenant, inSeconds } from "../support/api";

type Schedule = {
  id: string;
  status: string;
  scheduledTime: string;
  timezone: string;
  localTime: string;
  priority: number;
  adjusted?: boolean;
  ambiguous?: boolean;
};

describe("creating schedules", () => {
  it("reads a local time in the given zone and answers the instant in UTC", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "u1",
        notificationId: "n",
        scheduledTime: "2027-06-01T09:00:00",
        timezone: "Europe/Berlin",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      scheduledTime: "2027-06-01T07:00:00.000Z",
      localTime: "2027-06-01T09:00:00.000+02:00",
      timezone: "Europe/Berlin",
      adjusted: false,
      ambiguous: false,
    });
  });

  it("resolves a spring-forward gap to the first instant after it (P1)", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "u1",
        notificationId: "n",
        scheduledTime: "2027-03-14T02:30:00",
        timezone: "America/New_York",
      },
    });
    expect(created.body).toMatchObject({
      scheduledTime: "2027-03-14T07:00:00.000Z",
      adjusted: true,
      ambiguous: false,
    });
    expect(created.body.localTime).toBe("2027-03-14T03:00:00.000-04:00");
  });

  it("resolves a fall-back overlap to the earlier instant (P1)", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "u1",
        notificationId: "n",
        scheduledTime: "2027-11-07T01:30:00",
        timezone: "America/New_York",
      },
    });
    expect(created.body).toMatchObject({
      scheduledTime: "2027-11-07T05:30:00.000Z",
      adjusted: false,
      ambiguous: true,
    });
    expect(created.body.localTime).toBe("2027-11-07T01:30:00.000-04:00");
  });

  it("defaults the zone to the user's, then the tenant's, then UTC", async () => {
    const t = await createTenant({ defaultTimezone: "Asia/Kathmandu" });
    await call("PUT", "/v1/users/tokyo-user", { key: t.apiKey, body: { timezone: "Asia/Tokyo" } });
    const local = "2027-01-01T09:00:00";
    const forUser = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "tokyo-user", notificationId: "n", scheduledTime: local },
    });
    expect(forUser.body).toMatchObject({ timezone: "Asia/Tokyo", scheduledTime: "2027-01-01T00:00:00.000Z" });
    const forTenant = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "someone-else", notificationId: "n", scheduledTime: local },
    });
    expect(forTenant.body).toMatchObject({
      timezone: "Asia/Kathmandu",
      scheduledTime: "2027-01-01T03:15:00.000Z",
    });
    const plain = await createTenant();
    const forUtc = await call<Schedule>("POST", "/v1/schedules", {
      key: plain.apiKey,
      body: { userId: "x", notificationId: "n", scheduledTime: local },
    });
    expect(forUtc.body).toMatchObject({ timezone: "UTC", scheduledTime: "2027-01-01T09:00:00.000Z" });
  });

  it("accepts priority names and answers numbers", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "u1", notificationId: "n", scheduledTime: inSeconds(600), priority: "urgent" },
    });
    expect(created.body.priority).toBe(4);
  });
});

describe("the schedule lifecycle", () => {
  async function scheduled(t: Awaited<ReturnType<typeof createTenant>>, userId = "u1") {
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId, notificationId: "n", scheduledTime: inSeconds(3600) },
    });
    return created.body.id;
  }

  it("pauses, resumes, modifies and cancels, each idempotent where the contract says so", async () => {
    const t = await createTenant();
    const id = await scheduled(t);
    const paused = await call<Schedule>("POST", `/v1/schedules/${id}/pause`, { key: t.apiKey });
    expect(paused.body.status).toBe("paused");
    expect((await call<Schedule>("POST", `/v1/schedules/${id}/pause`, { key: t.apiKey })).body.status).toBe(
      "paused",
    );
    const patched = await call<Schedule>("PATCH", `/v1/schedules/${id}`, {
      key: t.apiKey,
      body: {
        scheduledTime: "2027-05-05T10:00:00",
        timezone: "Europe/London",
        priority: 5,
        payload: { v: 2 },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      status: "paused",
      scheduledTime: "2027-05-05T09:00:00.000Z",
      priority: 5,
    });
    const resumed = await call<Schedule>("POST", `/v1/schedules/${id}/resume`, { key: t.apiKey });
    expect(resumed.body.status).toBe("pending");
    expect((await call("DELETE", `/v1/schedules/${id}`, { key: t.apiKey })).status).toBe(204);
    expect((await call("DELETE", `/v1/schedules/${id}`, { key: t.apiKey })).status).toBe(204);
    expect((await call<Schedule>("GET", `/v1/schedules/${id}`, { key: t.apiKey })).body.status).toBe(
      "cancelled",
    );
    expect((await call("POST", `/v1/schedules/${id}/resume`, { key: t.apiKey })).status).toBe(409);
    expect(
      (await call("PATCH", `/v1/schedules/${id}`, { key: t.apiKey, body: { priority: 1 } })).status,
    ).toBe(409);
  });

  it("lists a user's schedules in time order, page by page", async () => {
    const t = await createTenant();
    const times = [5, 1, 4, 2, 3].map((h) => new Date(Date.UTC(2027, 0, 1, h)).toISOString());
    for (const scheduledTime of times) {
      await call("POST", "/v1/schedules", {
        key: t.apiKey,
        body: { userId: "lister", notificationId: "n", scheduledTime },
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call<{ data: Schedule[]; nextCursor: string | null }>(
        "GET",
        `/v1/users/lister/schedules${query}`,
        {
          key: t.apiKey,
        },
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((s) => s.scheduledTime));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...times].sort());
    const window = await call<{ data: Schedule[] }>(
      "GET",
      `/v1/users/lister/schedules?from=${times[3]}&to=${times[2]}&status=pending`,
      { key: t.apiKey },
    );
    expect(window.body.data.map((s) => s.scheduledTime)).toEqual([times[3], times[4], times[2]]);
  });

  it("bulk-creates with per-item results: one bad item never fails the others", async () => {
    const t = await createTenant();
    const items = [
      { userId: "b1", notificationId: "n", scheduledTime: inSeconds(600) },
      { userId: "b1", notificationId: "n", scheduledTime: "2001-01-01T00:00:00Z" },
      { userId: "b2", notificationId: "n", scheduledTime: inSeconds(600), timezone: "Nowhere/City" },
      { userId: "b2", notificationId: "n", scheduledTime: inSeconds(700) },
      "not even an object",
    ];
    const answer = await call<{
      created: number;
      failed: number;
      results: { index: number; id?: string; error?: { code: string; errors: { path: string }[] } }[];
    }>("POST", "/v1/schedules/bulk", { key: t.apiKey, body: { schedules: items } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: 2, failed: 3 });
    expect(answer.body.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(answer.body.results[1]!.error).toMatchObject({
      code: "scheduled_time_in_past",
      errors: [{ path: "scheduledTime" }],
    });
    expect(answer.body.results[2]!.error).toMatchObject({
      code: "validation_error",
      errors: [{ path: "timezone" }],
    });
    expect(answer.body.results[4]!.error?.code).toBe("validation_error");
    const ids = [answer.body.results[0]!.id!, answer.body.results[3]!.id!];
    const cancel = await call<{
      cancelled: number;
      notFound: number;
      conflicts: number;
      results: { id: string; status: string }[];
    }>("POST", "/v1/schedules/bulk-cancel", {
      key: t.apiKey,
      body: { ids: [...ids, "sch_doesnotexist000000dTE"] },
    });
    expect(cancel.body).toMatchObject({ cancelled: 2, notFound: 1, conflicts: 0 });
    expect(cancel.body.results.map((r) => r.status)).toEqual(["cancelled", "cancelled", "not_found"]);
  });

  it("replays an idempotent create and refuses the same key with another body", async () => {
    const t = await createTenant();
    const body = { userId: "idem", notificationId: "n", scheduledTime: inSeconds(600) };
    const headers = { "idempotency-key": "create-once" };
    const first = await call<Schedule>("POST", "/v1/schedules", { key: t.apiKey, body, headers });
    const again = await call<Schedule>("POST", "/v1/schedules", { key: t.apiKey, body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const list = await call<{ data: Schedule[] }>("GET", "/v1/users/idem/schedules", { key: t.apiKey });
    expect(list.body.data).toHaveLength(1);
    const other = await call("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { ...body, notificationId: "m" },
      headers,
    });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe("idempotency_key_reused");
    // The key lives in the body too, and belongs to its tenant only.
    const inBody = { ...body, idempotencyKey: "in-body" };
    const a = await call<Schedule>("POST", "/v1/schedules", { key: t.apiKey, body: inBody });
    const b = await call<Schedule>("POST", "/v1/schedules", { key: t.apiKey, body: inBody });
    expect(b.body.id).toBe(a.body.id);
    const otherTenant = await createTenant();
    const c = await call<Schedule>("POST", "/v1/schedules", { key: otherTenant.apiKey, body, headers });
    expect(c.status).toBe(201);
    expect(c.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keeps and merges user settings", async () => {
    const t = await createTenant();
    const put = await call("PUT", "/v1/users/sam", {
      key: t.apiKey,
      body: { timezone: "Europe/Paris", locale: "fr-FR", quietHours: { start: "22:00", end: "07:00" } },
    });
    expect(put.status).toBe(200);
    const patched = await call("PATCH", "/v1/users/sam", { key: t.apiKey, body: { locale: "fr-BE" } });
    expect(patched.body).toMatchObject({
      timezone: "Europe/Paris",
      locale: "fr-BE",
      quietHours: { start: "22:00" },
    });
    const replaced = await call("PUT", "/v1/users/sam", {
      key: t.apiKey,
      body: { timezone: "Europe/Paris" },
    });
    expect(replaced.body).toMatchObject({ locale: null, quietHours: null });
    expect((await call("GET", "/v1/users/nobody", { key: t.apiKey })).status).toBe(404);
  });

  it("erases a user and everything of theirs", async () => {
    const t = await createTenant();
    await call("PUT", "/v1/users/gone", { key: t.apiKey, body: { timezone: "UTC" } });
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "gone", notificationId: "n", scheduledTime: inSeconds(600) },
    });
    expect((await call("DELETE", "/v1/users/gone", { key: t.apiKey })).status).toBe(202);
    expect((await call("GET", "/v1/users/gone", { key: t.apiKey })).status).toBe(404);
    expect((await call("GET", `/v1/schedules/${created.body.id}`, { key: t.apiKey })).status).toBe(404);
    const list = await call<{ data: unknown[] }>("GET", "/v1/users/gone/schedules", { key: t.apiKey });
    expect(list.body.data).toEqual([]);
  });
});

describe("tenant defaults", () => {
  it("a schedule without retryConfig takes the tenant's, else the service's", async () => {
    const t = await createTenant();
    const before = await call<{ retryConfig: unknown }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "d", notificationId: "n", scheduledTime: inSeconds(600) },
    });
    expect(before.body.retryConfig).toEqual({
      maxRetries: 3,
      backoff: "exponential",
      initialDelaySeconds: 5,
      maxDelaySeconds: 300,
    });
    const tenantRetry = { maxRetries: 8, backoff: "jittered", initialDelaySeconds: 2, maxDelaySeconds: 120 };
    const patched = await call("PATCH", "/v1/tenant", { key: t.apiKey, body: { retryConfig: tenantRetry } });
    expect(patched.body).toMatchObject({ retryConfig: tenantRetry });
    const after = await call<{ retryConfig: unknown }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "d", notificationId: "n", scheduledTime: inSeconds(600) },
    });
    expect(after.body.retryConfig).toEqual(tenantRetry);
    const own = await call<{ retryConfig: unknown }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "d",
        notificationId: "n",
        scheduledTime: inSeconds(600),
        retryConfig: { maxRetries: 0 },
      },
    });
    expect(own.body.retryConfig).toMatchObject({ maxRetries: 0, backoff: "exponential" });
  });
});
