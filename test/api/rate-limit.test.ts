import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createKey, createTenant } from "../support/api";

describe("tenant rate limit", () => {
  it("a tenant without its own budget shows the deployment's", async () => {
    const t = await createTenant();
    const answer = await call("GET", "/v1/tenant", { key: t.apiKey });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      rateLimit: null,
      appliedRateLimit: {
        requestsPerSecond: Number(env.API_RATE_LIMIT_PER_SECOND),
        burst: expect.any(Number),
      },
    });
  });

  it("beyond the tenant's budget every key of it gets 429 with Retry-After; other tenants do not", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const viewer = await createKey(t, "viewer");
    // One request per 100 s, at most 3 at once: nothing refills while the test runs.
    const patched = await call("PATCH", "/v1/tenant", {
      key: t.apiKey,
      body: { rateLimit: { requestsPerSecond: 0.01, burst: 3 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      rateLimit: { requestsPerSecond: 0.01, burst: 3 },
      appliedRateLimit: { requestsPerSecond: 0.01, burst: 3 },
    });
    const statuses: number[] = [];
    for (const key of [t.apiKey, viewer, t.apiKey])
      statuses.push((await call("GET", "/v1/tenant", { key })).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(0);

    const limited = await call("GET", "/v1/users/u1/schedules", { key: viewer });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toContain("application/problem+json");
    expect(limited.body).toMatchObject({ status: 429, code: "rate_limited" });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(100);
    // The other key of the tenant shares the budget; a write is refused before it touches anything.
    const write = await call("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "u1",
        notificationId: "n",
        scheduledTime: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(write.status).toBe(429);

    expect((await call("GET", "/v1/tenant", { key: other.apiKey })).status).toBe(200);
    // Without a valid key there is no tenant to charge: 401, not 429.
    expect((await call("GET", "/v1/tenant", { key: "sk_not_a_key" })).status).toBe(401);
  });

  it("concurrent requests of one isolate share a lease instead of each taking a batch", async () => {
    const t = await createTenant();
    // Leases of 5; 60 requests at once fit the burst of 100 even if nothing refilled meanwhile.
    const patched = await call("PATCH", "/v1/tenant", {
      key: t.apiKey,
      body: { rateLimit: { requestsPerSecond: 1000, burst: 100 } },
    });
    expect(patched.status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => call("GET", "/v1/users/u1/schedules", { key: t.apiKey })),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
  });

  it("the operator can set a tenant's budget when creating it; bad budgets are 400 naming the field", async () => {
    const created = await call<{ tenant: Record<string, unknown> }>("POST", "/v1/admin/tenants", {
      key: ADMIN_TOKEN,
      body: {
        name: "limited",
        webhookUrl: "http://receiver.test/hooks/limited",
        rateLimit: { requestsPerSecond: 5 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ rateLimit: { requestsPerSecond: 5, burst: 10 } });

    const t = await createTenant();
    for (const [rateLimit, path] of [
      [{ requestsPerSecond: 0 }, "rateLimit.requestsPerSecond"],
      [{ requestsPerSecond: 10, burst: 0.5 }, "rateLimit.burst"],
      [{ requestsPerSecond: 10, perMinute: 3 }, "rateLimit"],
    ] as const) {
      const answer = await call<{ errors: { path: string }[] }>("PATCH", "/v1/tenant", {
        key: t.apiKey,
        body: { rateLimit },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((e) => e.path)).toContain(path);
    }
    // A tenant can lower its budget and go back up to the deployment's, not beyond it.
    const deployment = Number(env.API_RATE_LIMIT_PER_SECOND);
    const above = await call<{ errors: { path: string }[] }>("PATCH", "/v1/tenant", {
      key: t.apiKey,
      body: { rateLimit: { requestsPerSecond: deployment * 1.5 } },
    });
    expect(above.status).toBe(400);
    expect(above.body.errors.map((e) => e.path)).toEqual(["rateLimit.requestsPerSecond", "rateLimit.burst"]);
    for (const requestsPerSecond of [5, deployment])
      expect(
        (await call("PATCH", "/v1/tenant", { key: t.apiKey, body: { rateLimit: { requestsPerSecond } } }))
          .status,
      ).toBe(200);
    // What the operator gave (5 at creation) is not the ceiling: the deployment's default is.
    const limitedKey = (created.body as unknown as { apiKey: string }).apiKey;
    const raised = await call("PATCH", "/v1/tenant", {
      key: limitedKey,
      body: { rateLimit: { requestsPerSecond: deployment } },
    });
    expect(raised.status).toBe(200);
    // null goes back to the deployment's budget.
    const reset = await call("PATCH", "/v1/tenant", { key: t.apiKey, body: { rateLimit: null } });
    expect(reset.body).toMatchObject({ rateLimit: null });
  });

  it("the tenant's object grants whole tokens up to the burst and then says how long to wait", async () => {
    const limiter = env.TENANT_RATE_LIMITER.get(env.TENANT_RATE_LIMITER.idFromName("ten_object_check"));
    const limit = { requestsPerSecond: 0.01, burst: 5 };
    expect(await limiter.lease(limit, 3)).toEqual({ granted: 3, retryAfterMs: 0 });
    expect(await limiter.lease(limit, 3)).toEqual({ granted: 2, retryAfterMs: 0 });
    const refused = await limiter.lease(limit, 3);
    expect(refused.granted).toBe(0);
    expect(refused.retryAfterMs).toBeGreaterThan(90_000);
  });
});
