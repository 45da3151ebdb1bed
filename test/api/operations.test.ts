import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/workers/index";
import { call, createKey, createTenant, inSeconds } from "../support/api";

describe("operations", () => {
  it("reports health of D1, a Durable Object round trip and the Queue binding", async () => {
    const health = await call("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: "healthy",
      checks: { d1: "ok", durableObjects: "ok", queue: "ok" },
      version: expect.any(String),
    });
  });

  it("serves an OpenAPI 3.1 document of the /v1 contract, and a reference page", async () => {
    const doc = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      "GET",
      "/openapi.json",
    );
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      "/v1/admin/tenants",
      "/v1/tenant",
      "/v1/api-keys",
      "/v1/api-keys/{id}",
      "/v1/users/{userId}",
      "/v1/users/{userId}/schedules",
      "/v1/schedules",
      "/v1/schedules/bulk",
      "/v1/schedules/bulk-cancel",
      "/v1/schedules/{id}",
      "/v1/schedules/{id}/pause",
      "/v1/schedules/{id}/resume",
      "/v1/schedules/{id}/execute",
      "/v1/schedules/{id}/executions",
      "/v1/schedules/{id}/send-time",
      "/v1/dead-letters",
      "/v1/deliveries/callback",
      "/v1/timezones",
      "/v1/timezones/info",
      "/v1/timezones/transitions",
      "/v1/timezones/convert",
      "/v1/timezones/business-hours",
      "/v1/holidays",
      "/v1/recurring",
      "/v1/recurring/{id}",
      "/v1/recurring/{id}/pause",
      "/v1/recurring/{id}/resume",
      "/v1/recurring/{id}/status",
      "/v1/recurring/{id}/occurrences",
      "/v1/recurring/preview",
      "/v1/recurring/validate",
      "/v1/engagement",
      "/v1/users/{userId}/optimal-send-time",
      "/v1/users/{userId}/engagement-profile",
      "/v1/optimization/bulk",
      "/v1/optimization/train",
      "/v1/optimization/performance",
      "/v1/experiments",
      "/v1/experiments/{id}/results",
      "/v1/campaigns",
      "/v1/campaigns/{id}",
      "/v1/campaigns/{id}/audience",
      "/v1/campaigns/{id}/schedule",
      "/v1/campaigns/{id}/pause",
      "/v1/campaigns/{id}/resume",
      "/v1/campaigns/{id}/cancel",
      "/v1/campaigns/{id}/progress",
      "/v1/campaigns/{id}/metrics",
      "/v1/drips",
      "/v1/drips/{id}/enrollments",
      "/v1/drips/{id}/enrollments/{userId}",
      "/v1/events",
      "/v1/conditional-schedules",
      "/v1/audit-log",
      "/metrics",
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(doc.body.paths["/v1/schedules/{id}"]!).sort()).toEqual(["delete", "get", "patch"]);
    const docs = await call<string>("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.body).toContain("openapi.json");
  });

  it("exposes service-wide totals for Prometheus, behind METRICS_TOKEN when it is set", async () => {
    const t = await createTenant();
    const made = await call<{ id: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "metrics-user", notificationId: "n", scheduledTime: inSeconds(3600) },
    });
    expect(made.status).toBe(201);
    const text = await vi.waitFor(
      async () => {
        const answer = await call<string>("GET", "/metrics");
        expect(answer.status).toBe(200);
        expect(answer.headers.get("content-type")).toContain("text/plain");
        const pending = /^scheduler_schedules\{status="pending"\} (\d+)$/m.exec(answer.body);
        expect(Number(pending?.[1] ?? 0)).toBeGreaterThanOrEqual(1);
        return answer.body;
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(text).toContain("# TYPE scheduler_tenants gauge");
    expect(text).toMatch(/^scheduler_tenants \d+$/m);
    expect(text).not.toContain(t.id);
    // With a token configured, a scrape without it is refused.
    const guarded = { ...env, METRICS_TOKEN: "scrape-secret" };
    for (const [authorization, status] of [
      [undefined, 401],
      ["Bearer wrong", 401],
      ["Bearer scrape-secret", 200],
    ] as const) {
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request("https://scheduler.test/metrics", { headers: authorization ? { authorization } : {} }),
        guarded,
        ctx,
      );
      await response.arrayBuffer();
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(status);
    }
  });

  it("lists the audit log to admins, newest first, filtered by action", async () => {
    const t = await createTenant();
    const viewer = await createKey(t, "viewer");
    await createKey(t, "editor");
    const erased = await call("DELETE", "/v1/users/gone", { key: t.apiKey });
    expect(erased.status).toBe(202);
    const log = await call<{ data: { action: string; target: string | null; at: string }[] }>(
      "GET",
      "/v1/audit-log",
      { key: t.apiKey },
    );
    expect(log.status).toBe(200);
    expect(log.body.data.map((e) => e.action)).toEqual([
      "user.erase",
      "api_key.create",
      "api_key.create",
      "tenant.create",
    ]);
    const filtered = await call<{ data: { action: string }[] }>("GET", "/v1/audit-log?action=user.erase", {
      key: t.apiKey,
    });
    expect(filtered.body.data).toHaveLength(1);
    expect((await call("GET", "/v1/audit-log", { key: viewer })).status).toBe(403);
    expect((await call("GET", "/v1/audit-log?from=yesterday", { key: t.apiKey })).status).toBe(400);
  });

  it("answers unknown routes with a problem, not an HTML page", async () => {
    const missing = await call("GET", "/v1/nothing-here", { key: "sk_x" });
    expect(missing.status).toBe(401);
    const unknown = await call("GET", "/nowhere");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
  });
});
