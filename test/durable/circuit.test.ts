import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
  ADMIN_TOKEN,
  call,
  createTenant,
  deliveries,
  inSeconds,
  programReceiver,
  type TestTenant,
  waitForScheduleStatus,
} from "../support/api";

type Circuit = { status: string; reason: string | null; retryAt: string | null };
type Schedule = { id: string; status: string; attempts: number };

const noRetries = { maxRetries: 0, backoff: "fixed", initialDelaySeconds: 1, maxDelaySeconds: 1 };

async function circuitOf(t: TestTenant): Promise<Circuit> {
  const tenant = await call<{ webhookCircuit: Circuit }>("GET", "/v1/tenant", { key: t.apiKey });
  return tenant.body.webhookCircuit;
}

describe("circuit breaker per tenant endpoint", () => {
  it("opens after repeated failures, holds deliveries without using attempts, closes after a probe", async () => {
    const t = await createTenant();
    // wrangler.toml: at least 10 failures in the window; vitest.config: a 2 s cooldown.
    await programReceiver(
      t.sink,
      Array.from({ length: 10 }, () => ({ status: 503 })),
    );
    const failing = await call<{ data: { id: string }[] }>("POST", "/v1/schedules/bulk", {
      key: t.apiKey,
      body: {
        schedules: Array.from({ length: 10 }, (_, i) => ({
          userId: `down-${i}`,
          notificationId: "n",
          scheduledTime: inSeconds(0),
          retryConfig: noRetries,
        })),
      },
    });
    expect(failing.status).toBe(200);
    await vi.waitFor(
      async () => {
        const circuit = await circuitOf(t);
        if (circuit.status !== "open") throw new Error(circuit.status);
      },
      { timeout: 15_000, interval: 50 },
    );
    const opened = await circuitOf(t);
    expect(opened.reason).toMatch(/^10 of 10 attempts failed/);
    const health = await call<{
      details: { webhookCircuits: { open: number; endpoints?: { tenantId: string }[] } };
    }>("GET", "/health", { key: ADMIN_TOKEN });
    expect(health.body.details.webhookCircuits.endpoints?.map((e) => e.tenantId)).toContain(t.id);
    const anonymous = await call<{ details: { webhookCircuits: { open: number; endpoints?: unknown } } }>(
      "GET",
      "/health",
    );
    expect(anonymous.body.details.webhookCircuits.open).toBeGreaterThanOrEqual(1);
    expect(anonymous.body.details.webhookCircuits.endpoints).toBeUndefined();

    // The endpoint has recovered (the receiver answers 200 now), but the circuit is still open.
    const held = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "waiting", notificationId: "n", scheduledTime: inSeconds(0), retryConfig: noRetries },
    });
    // Claimed, and held back by its object while the circuit is open: pending again, attempt not used.
    await vi.waitFor(
      async () => {
        const s = (await call<Schedule>("GET", `/v1/schedules/${held.body.id}`, { key: t.apiKey })).body;
        const history = await call<{ data: unknown[] }>("GET", `/v1/schedules/${held.body.id}/executions`, {
          key: t.apiKey,
        });
        if (s.status !== "pending" || s.attempts !== 0 || history.body.data.length !== 0) {
          throw new Error(`${s.status}/${s.attempts}`);
        }
      },
      { timeout: 5_000, interval: 20 },
    );
    // With maxRetries 0 a counted attempt would have failed it; the probe delivers it instead.
    const done = await waitForScheduleStatus(t.apiKey, held.body.id, "completed", 20_000);
    expect(done.attempts).toBe(1);
    const received = await deliveries(t.sink);
    expect(received).toHaveLength(11);
    // Nothing reached the endpoint before the cooldown ended.
    expect(received.at(-1)!.receivedAt).toBeGreaterThanOrEqual(Date.parse(opened.retryAt!));
    await vi.waitFor(
      async () => {
        const circuit = await circuitOf(t);
        if (circuit.status !== "closed") throw new Error(circuit.status);
        expect(circuit.reason).toBe("probe succeeded");
      },
      { timeout: 5_000, interval: 50 },
    );
    // Closed again: the next delivery goes straight through.
    const after = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "after", notificationId: "n", scheduledTime: inSeconds(0), retryConfig: noRetries },
    });
    await waitForScheduleStatus(t.apiKey, after.body.id, "completed", 10_000);
  });

  it("one failing tenant's circuit leaves another tenant's deliveries alone", async () => {
    const healthy = await createTenant();
    const circuit = env.ENDPOINT_CIRCUIT.get(env.ENDPOINT_CIRCUIT.idFromName(healthy.id));
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: healthy.apiKey,
      body: { userId: "u", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    await waitForScheduleStatus(healthy.apiKey, created.body.id, "completed", 10_000);
    expect((await circuit.snapshot()).status).toBe("closed");
  });
});
