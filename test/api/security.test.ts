import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, call, createKey, createTenant, inSeconds } from "../support/api";

const scheduleBody = () => ({ userId: "u1", notificationId: "n", scheduledTime: inSeconds(3600) });

/** Every schedule and user route with the least role it needs. `:id` is a real schedule id. */
const ROUTES: { method: string; path: string; body?: () => unknown; role: "viewer" | "editor" | "admin" }[] =
  [
    { method: "GET", path: "/v1/schedules/:id", role: "viewer" },
    { method: "GET", path: "/v1/schedules/:id/executions", role: "viewer" },
    { method: "GET", path: "/v1/users/u1/schedules", role: "viewer" },
    { method: "GET", path: "/v1/users/u1", role: "viewer" },
    { method: "GET", path: "/v1/dead-letters", role: "viewer" },
    { method: "POST", path: "/v1/schedules", body: scheduleBody, role: "editor" },
    {
      method: "POST",
      path: "/v1/schedules/bulk",
      body: () => ({ schedules: [scheduleBody()] }),
      role: "editor",
    },
    { method: "POST", path: "/v1/schedules/bulk-cancel", body: () => ({ ids: ["sch_x"] }), role: "editor" },
    { method: "PATCH", path: "/v1/schedules/:id", body: () => ({ priority: 3 }), role: "editor" },
    { method: "POST", path: "/v1/schedules/:id/pause", role: "editor" },
    { method: "POST", path: "/v1/schedules/:id/resume", role: "editor" },
    { method: "POST", path: "/v1/schedules/:id/execute", role: "editor" },
    { method: "DELETE", path: "/v1/schedules/:id", role: "editor" },
    { method: "PUT", path: "/v1/users/u1", body: () => ({ timezone: "UTC" }), role: "editor" },
    { method: "PATCH", path: "/v1/users/u1", body: () => ({ timezone: "UTC" }), role: "editor" },
    { method: "DELETE", path: "/v1/users/u2", role: "editor" },
    { method: "GET", path: "/v1/tenant", role: "admin" },
    { method: "PATCH", path: "/v1/tenant", body: () => ({ name: "renamed" }), role: "admin" },
    { method: "GET", path: "/v1/api-keys", role: "admin" },
    { method: "POST", path: "/v1/api-keys", body: () => ({ name: "k", role: "viewer" }), role: "admin" },
  ];
const RANK = { viewer: 0, editor: 1, admin: 2 } as const;

describe("roles", () => {
  it("each route admits exactly the roles at or above the one it needs", async () => {
    const t = await createTenant();
    const keys = {
      admin: t.apiKey,
      editor: await createKey(t, "editor"),
      viewer: await createKey(t, "viewer"),
    };
    await call("PUT", "/v1/users/u1", { key: t.apiKey, body: { timezone: "UTC" } });
    for (const route of ROUTES) {
      for (const role of ["viewer", "editor", "admin"] as const) {
        const fresh = await call<{ id: string }>("POST", "/v1/schedules", {
          key: t.apiKey,
          body: scheduleBody(),
        });
        const path = route.path.replace(":id", fresh.body.id);
        const answer = await call(route.method, path, { key: keys[role], body: route.body?.() });
        const label = `${role} ${route.method} ${route.path} → ${answer.status}`;
        if (RANK[role] >= RANK[route.role]) expect(answer.status, label).toBeLessThan(400);
        else {
          expect(answer.status, label).toBe(403);
          expect(answer.body).toMatchObject({ code: "forbidden" });
        }
      }
    }
  });

  it("needs a credential, accepts X-API-Key, and keeps the operator token to tenant creation", async () => {
    const t = await createTenant();
    expect((await call("GET", "/v1/users/u1/schedules")).status).toBe(401);
    expect((await call("GET", "/v1/users/u1/schedules", { key: "sk_forged" })).status).toBe(401);
    expect((await call("GET", "/v1/users/u1/schedules", { headers: { "x-api-key": t.apiKey } })).status).toBe(
      200,
    );
    expect((await call("GET", "/v1/users/u1/schedules", { key: ADMIN_TOKEN })).status).toBe(401);
    const noToken = await call("POST", "/v1/admin/tenants", {
      key: t.apiKey,
      body: { name: "x", webhookUrl: "https://example.com/h" },
    });
    expect(noToken.status).toBe(401);
  });

  it("a revoked key stops working within 10 seconds", async () => {
    const t = await createTenant();
    const viewer = await createKey(t, "viewer");
    expect((await call("GET", "/v1/users/u1/schedules", { key: viewer })).status).toBe(200);
    const list = await call<{ data: { id: string; role: string }[] }>("GET", "/v1/api-keys", {
      key: t.apiKey,
    });
    const id = list.body.data.find((k) => k.role === "viewer")!.id;
    const revokedAt = Date.now();
    expect((await call("DELETE", `/v1/api-keys/${id}`, { key: t.apiKey })).status).toBe(204);
    await vi.waitFor(
      async () => {
        const status = (await call("GET", "/v1/users/u1/schedules", { key: viewer })).status;
        if (status !== 401) throw new Error(`still ${status}`);
      },
      { timeout: 10_000, interval: 250 },
    );
    expect(Date.now() - revokedAt).toBeLessThan(10_000);
    expect((await call("DELETE", `/v1/api-keys/${id}`, { key: t.apiKey })).status).toBe(404);
  });
});

describe("listing keys", () => {
  it("pages through keys created in the same millisecond without skipping any", async () => {
    const t = await createTenant();
    const at = Date.now();
    for (let i = 0; i < 5; i++) {
      await env.DB.prepare(
        "INSERT INTO api_keys (id, tenant_id, name, role, key_hash, key_prefix, created_at) VALUES (?, ?, ?, 'viewer', ?, 'sk_x', ?)",
      )
        .bind(`key_same_ms_${i}`, t.id, `k${i}`, `hash-${t.id}-${i}`, at)
        .run();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call<{ data: { id: string }[]; nextCursor: string | null }>(
        "GET",
        `/v1/api-keys${query}`,
        {
          key: t.apiKey,
        },
      );
      seen.push(...page.body.data.map((k) => k.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });
});

describe("tenant isolation", () => {
  it("another tenant's schedule answers 404 on every schedule route, exactly as an unknown id", async () => {
    const owner = await createTenant();
    const intruder = await createTenant();
    const created = await call<{ id: string }>("POST", "/v1/schedules", {
      key: owner.apiKey,
      body: scheduleBody(),
    });
    await call("PUT", "/v1/users/u1", { key: owner.apiKey, body: { timezone: "Europe/Rome" } });
    const id = created.body.id;
    for (const route of ROUTES.filter((r) => r.path.includes(":id"))) {
      const answer = await call(route.method, route.path.replace(":id", id), {
        key: intruder.apiKey,
        body: route.body?.(),
      });
      expect(answer.status, `${route.method} ${route.path}`).toBe(404);
    }
    const cancel = await call<{ notFound: number }>("POST", "/v1/schedules/bulk-cancel", {
      key: intruder.apiKey,
      body: { ids: [id] },
    });
    expect(cancel.body.notFound).toBe(1);
    expect((await call("GET", "/v1/users/u1", { key: intruder.apiKey })).status).toBe(404);
    const theirs = await call<{ data: unknown[] }>("GET", "/v1/users/u1/schedules", { key: intruder.apiKey });
    expect(theirs.body.data).toEqual([]);
    const still = await call<{ status: string }>("GET", `/v1/schedules/${id}`, { key: owner.apiKey });
    expect(still.body.status).toBe("pending");
  });

  it("refuses private webhook targets unless the deployment allows them", async () => {
    const bad = await call("POST", "/v1/admin/tenants", {
      key: ADMIN_TOKEN,
      body: { name: "x", webhookUrl: "ftp://example.com" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ path: "webhookUrl" }] });
  });
});
