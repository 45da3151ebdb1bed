import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { trainTenant } from "../../src/workers/optimizer/models";
import { call, createTenant, reportOpened, type TestTenant } from "../support/api";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Optimal = { sendAt: string; confidence: number; source: string; engagementProbability: number };

/** 30 days of sends at 08, 12 and 19 Berlin time, two in three of the evening ones opened. */
async function eveningUser(t: TestTenant, userId: string, now: number) {
  await call("PUT", `/v1/users/${userId}`, { key: t.apiKey, body: { timezone: "Europe/Berlin" } });
  const events: Record<string, unknown>[] = [];
  for (let d = 30; d >= 1; d--) {
    const midnightUtc = Math.floor((now - d * DAY) / DAY) * DAY;
    for (const localHour of [8, 12, 19]) {
      const at = new Date(midnightUtc + (localHour - 1) * HOUR).toISOString();
      const sendId = `${userId}-${d}-${localHour}`;
      events.push({ userId, notificationType: "digest", event: "sent", at, sendId });
      if (localHour === 19 && d % 3 !== 0)
        events.push({ userId, notificationType: "digest", event: "opened", at, sendId });
    }
  }
  expect((await call("POST", "/v1/engagement", { key: t.apiKey, body: { events } })).status).toBe(202);
}

describe("live recalibration of predicted probabilities", () => {
  it("scales every prediction by opens over predicted opens of optimized sends that have settled", async () => {
    const t = await createTenant();
    const now = Date.now();
    for (const u of ["a", "b", "c"]) await eveningUser(t, u, now);
    const first = await call<{ recalibration: number }>("POST", "/v1/optimization/train", { key: t.apiKey });
    expect(first.body.recalibration).toBe(1);

    // Ten optimized digests, one of them reported opened; four optimized offers, none opened.
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) {
      const created = await call<{ id: string }>("POST", "/v1/schedules", {
        key: t.apiKey,
        body: {
          userId: ["a", "b", "c"][i % 3],
          notificationId: i < 10 ? "digest" : "offers",
          sendTime: { optimize: true },
        },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    await reportOpened(t.apiKey, { userId: "a", notificationType: "digest", scheduleId: ids[0]! });
    const rows = await env.DB.prepare(
      "SELECT notification_type, send_at, model_predicted, predicted, opened FROM optimized_sends WHERE tenant_id = ?",
    )
      .bind(t.id)
      .all<{
        notification_type: string;
        send_at: number;
        model_predicted: number;
        predicted: number;
        opened: number;
      }>();
    expect(rows.results.map((r) => r.notification_type).sort()).toEqual([
      ...new Array(10).fill("digest"),
      ...new Array(4).fill("offers"),
    ]);
    for (const row of rows.results) {
      expect(row.send_at).toBeGreaterThanOrEqual(now);
      expect(row.send_at).toBeLessThanOrEqual(now + DAY + HOUR);
      // Nothing has been observed yet, so what the answer said is the model's own.
      expect(row.model_predicted).toBeCloseTo(row.predicted, 6);
    }
    const predictedOf = (type: string | null) =>
      rows.results
        .filter((r) => type === null || r.notification_type === type)
        .reduce((sum, r) => sum + r.model_predicted, 0);
    expect(rows.results.reduce((sum, r) => sum + r.opened, 0)).toBe(1);

    const window = `type=digest&notBefore=${new Date(now + 2 * HOUR).toISOString()}&notAfter=${new Date(now + 26 * HOUR).toISOString()}`;
    const ask = () => call<Optimal>("GET", `/v1/users/a/optimal-send-time?${window}`, { key: t.apiKey });

    // Trained now, none of the ten has been sent yet: nothing to recalibrate by.
    await trainTenant(env, t.id, Date.now());
    const unsettled = await ask();
    // Two days on, all were sent more than a day ago: for digests, 1 open against their predictions;
    // the tenant's pooled model ("*") counts the offers too.
    await trainTenant(env, t.id, Date.now() + 2 * DAY);
    const factor = (1 + 30) / (predictedOf("digest") + 30);
    const pooledFactor = (1 + 30) / (predictedOf(null) + 30);
    expect(factor).toBeLessThan(0.9);
    expect(pooledFactor).toBeLessThan(factor - 0.01);
    const perf = await call<{ models: { type: string; recalibration: number }[] }>(
      "GET",
      "/v1/optimization/performance",
      { key: t.apiKey },
    );
    expect(perf.body.models.find((m) => m.type === "digest")!.recalibration).toBeCloseTo(factor, 6);
    expect(perf.body.models.find((m) => m.type === "*")!.recalibration).toBeCloseTo(pooledFactor, 6);
    const settled = await ask();
    expect(settled.body.engagementProbability).toBeCloseTo(unsettled.body.engagementProbability * factor, 3);
    // The level it reports changes; what it chooses and how sure it is do not.
    expect(settled.body.sendAt).toBe(unsettled.body.sendAt);
    expect(settled.body.confidence).toBe(unsettled.body.confidence);
    expect(settled.body.source).toBe("model");
  });
});
