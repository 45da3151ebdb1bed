import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/workers/index";
import { call, createTenant, reportOpened, type TestTenant, waitForScheduleStatus } from "../support/api";

type Optimal = {
  sendAt: string;
  localTime: string;
  confidence: number;
  source: string;
  engagementProbability: number;
  explanation: string;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** 30 days of history for a user in Berlin (UTC+1 in winter): sends at 08, 12 and 19 local, opens at 19 only. */
function eveningHistory(userId: string, type: string, endingAt: number) {
  const events: Record<string, unknown>[] = [];
  for (let d = 30; d >= 1; d--) {
    const midnightUtc = Math.floor((endingAt - d * DAY) / DAY) * DAY;
    for (const localHour of [8, 12, 19]) {
      const at = new Date(midnightUtc + (localHour - 1) * HOUR).toISOString();
      const sendId = `${userId}-${d}-${localHour}`;
      events.push({ userId, notificationType: type, event: "sent", at, sendId });
      if (localHour === 19 && d % 3 !== 0) {
        events.push({ userId, notificationType: type, event: "opened", at, sendId });
      }
    }
  }
  return events;
}

async function berlinUser(t: TestTenant, userId: string, extra: Record<string, unknown> = {}) {
  await call("PUT", `/v1/users/${userId}`, { key: t.apiKey, body: { timezone: "Europe/Berlin", ...extra } });
}

describe("send-time optimization", () => {
  it("ingests events one by one: bad ones are listed by index, the rest count", async () => {
    const t = await createTenant();
    const now = Date.now();
    const res = await call<{
      accepted: number;
      rejected: number;
      errors: { index: number; message: string }[];
    }>("POST", "/v1/engagement", {
      key: t.apiKey,
      body: {
        events: [
          { userId: "u1", notificationType: "digest", event: "sent", at: new Date(now - HOUR).toISOString() },
          {
            userId: "u1",
            notificationType: "digest",
            event: "opened",
            at: new Date(now - HOUR / 2).toISOString(),
          },
          { userId: "u1", notificationType: "digest", event: "bounced", at: new Date(now).toISOString() },
          { userId: "u1", notificationType: "digest", event: "sent", at: new Date(now + HOUR).toISOString() },
          {
            userId: "u1",
            notificationType: "digest",
            event: "sent",
            at: new Date(now - 401 * DAY).toISOString(),
          },
          { notificationType: "digest", event: "sent", at: new Date(now).toISOString() },
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.errors.map((e) => e.index)).toEqual([2, 3, 4, 5]);
    expect(res.body.errors[0]!.message).toMatch(/^event/);
    const profile = await call<{ profiles: { notificationType: string; sends: number; opens: number }[] }>(
      "GET",
      "/v1/users/u1/engagement-profile",
      { key: t.apiKey },
    );
    expect(profile.body.profiles).toEqual([
      expect.objectContaining({
        notificationType: "digest",
        sends: expect.closeTo(1, 2),
        opens: expect.closeTo(1, 2),
      }),
    ]);
    // Erasing the user erases the profile; the user can start over.
    expect((await call("DELETE", "/v1/users/u1", { key: t.apiKey })).status).toBe(202);
    const erased = await call<{ profiles: unknown[] }>("GET", "/v1/users/u1/engagement-profile", {
      key: t.apiKey,
    });
    expect(erased.body.profiles).toEqual([]);
    const again = await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: {
        events: [
          { userId: "u1", notificationType: "digest", event: "sent", at: new Date(now).toISOString() },
        ],
      },
    });
    expect(again.status).toBe(202);
    const restarted = await call<{ profiles: { sends: number }[] }>(
      "GET",
      "/v1/users/u1/engagement-profile",
      {
        key: t.apiKey,
      },
    );
    expect(restarted.body.profiles).toEqual([expect.objectContaining({ sends: expect.closeTo(1, 2) })]);
  });

  it("a tenant of morning and evening people: a new user's first open already points to their shape", async () => {
    const t = await createTenant();
    const now = Date.now();
    // 60 users in UTC, sent to at 08, 12 and 19 every day for 30 days; 20 open at 08, 40 at 19.
    const events: Record<string, unknown>[] = [];
    for (let u = 0; u < 60; u++) {
      const peak = u < 20 ? 8 : 19;
      for (let d = 30; d >= 1; d--) {
        const midnight = Math.floor((now - d * DAY) / DAY) * DAY;
        for (const hour of [8, 12, 19]) {
          const at = new Date(midnight + hour * HOUR).toISOString();
          const sendId = `p${u}-${d}-${hour}`;
          events.push({ userId: `p${u}`, notificationType: "news", event: "sent", at, sendId });
          if (hour === peak && d % 3 !== 0)
            events.push({ userId: `p${u}`, notificationType: "news", event: "opened", at, sendId });
        }
      }
    }
    expect((await call("POST", "/v1/engagement", { key: t.apiKey, body: { events } })).status).toBe(202);
    expect((await call("POST", "/v1/optimization/train", { key: t.apiKey })).status).toBe(200);
    const perf = await call<{
      models: { type: string; timingPreference: { none: number; mild: number; clear: number } | null }[];
    }>("GET", "/v1/optimization/performance", { key: t.apiKey });
    const pooled = perf.body.models.find((m) => m.type === "*")!;
    expect(pooled.timingPreference!.clear).toBeGreaterThan(0.8);
    const notBefore = new Date(Math.ceil(now / DAY) * DAY + 8 * HOUR).toISOString();
    const notAfter = new Date(Date.parse(notBefore) + 14 * HOUR).toISOString();
    const ask = (userId: string) =>
      call<Optimal>(
        "GET",
        `/v1/users/${userId}/optimal-send-time?type=news&notBefore=${notBefore}&notAfter=${notAfter}`,
        { key: t.apiKey },
      );
    // Nobody new knows anything: the population's best hour, the evening.
    const stranger = await ask("stranger");
    expect(stranger.body.source).toBe("global");
    expect(stranger.body.localTime).toMatch(/T(18|19|20):00:00\.000(Z|\+00:00)$/);
    // Two sends, the morning one opened: the morning people's shape, though the tenant leans evening.
    const yesterday = Math.floor(now / DAY) * DAY - DAY;
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: {
        events: [
          {
            userId: "early",
            notificationType: "news",
            event: "sent",
            at: new Date(yesterday + 8 * HOUR).toISOString(),
            sendId: "e1",
          },
          {
            userId: "early",
            notificationType: "news",
            event: "opened",
            at: new Date(yesterday + 8 * HOUR).toISOString(),
            sendId: "e1",
          },
          {
            userId: "early",
            notificationType: "news",
            event: "sent",
            at: new Date(yesterday + 19 * HOUR).toISOString(),
            sendId: "e2",
          },
        ],
      },
    });
    const early = await ask("early");
    expect(early.body.source).toBe("segment");
    expect(early.body.localTime).toMatch(/T(07|08|09):00:00\.000(Z|\+00:00)$/);
    // No news yet, but three mornings of opened digests (and unopened evening ones): the digests
    // say which kind of person this is.
    const digests: Record<string, unknown>[] = [];
    for (let d = 1; d <= 3; d++) {
      for (const hour of [8, 19]) {
        const at = new Date(Math.floor(now / DAY) * DAY - d * DAY + hour * HOUR).toISOString();
        const sendId = `x${d}-${hour}`;
        digests.push({ userId: "crossover", notificationType: "digest", event: "sent", at, sendId });
        if (hour === 8)
          digests.push({ userId: "crossover", notificationType: "digest", event: "opened", at, sendId });
      }
    }
    await call("POST", "/v1/engagement", { key: t.apiKey, body: { events: digests } });
    const crossover = await ask("crossover");
    expect(crossover.body.source).toBe("segment");
    expect(crossover.body.localTime).toMatch(/T(07|08|09):00:00\.000(Z|\+00:00)$/);
    expect(crossover.body.explanation).toContain("other notification types");
  });

  it("learns a user's evening habit and explains it; never inside quiet hours or past notAfter", async () => {
    const t = await createTenant();
    const now = Date.now();
    await berlinUser(t, "evening", { quietHours: { start: "22:00", end: "08:00" } });
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: { events: eveningHistory("evening", "digest", now) },
    });
    const trained = await call<{ users: number; metrics: { auc: number } }>(
      "POST",
      "/v1/optimization/train",
      {
        key: t.apiKey,
      },
    );
    expect(trained.status).toBe(200);
    expect(trained.body.users).toBe(1);
    const notBefore = new Date(Math.ceil(now / DAY) * DAY + 7 * HOUR).toISOString(); // 08:00 Berlin
    const notAfter = new Date(Date.parse(notBefore) + 14 * HOUR).toISOString();
    const res = await call<Optimal>(
      "GET",
      `/v1/users/evening/optimal-send-time?type=digest&notBefore=${notBefore}&notAfter=${notAfter}`,
      { key: t.apiKey },
    );
    expect(res.status).toBe(200);
    expect(res.body.source).toBe("model");
    expect(res.body.localTime).toMatch(/T19:00:00\.000\+0[12]:00$/);
    expect(res.body.explanation).toMatch(/evening sends opened/);
    expect(res.body.engagementProbability).toBeGreaterThan(0.3);
    expect(Date.parse(res.body.sendAt)).toBeLessThanOrEqual(Date.parse(notAfter));
    // A window that ends before the evening: the answer stays inside it.
    const early = await call<Optimal>(
      "GET",
      `/v1/users/evening/optimal-send-time?type=digest&notBefore=${notBefore}&notAfter=${new Date(Date.parse(notBefore) + 4 * HOUR).toISOString()}`,
      { key: t.apiKey },
    );
    expect(Date.parse(early.body.sendAt)).toBeLessThanOrEqual(Date.parse(notBefore) + 4 * HOUR);
    // A window entirely inside quiet hours has no answer.
    const night = new Date(Math.ceil(now / DAY) * DAY + 22 * HOUR).toISOString();
    const none = await call(
      "GET",
      `/v1/users/evening/optimal-send-time?type=digest&notBefore=${night}&notAfter=${new Date(Date.parse(night) + HOUR).toISOString()}`,
      { key: t.apiKey },
    );
    expect(none.status).toBe(409);
  });

  it("POST /v1/schedules with sendTime.optimize schedules at the optimized time and says why", async () => {
    const t = await createTenant();
    const now = Date.now();
    // The window opens on a whole hour: one that opened mid-evening would clamp the pick to its start.
    const windowStart = Math.ceil(now / HOUR) * HOUR + HOUR;
    await berlinUser(t, "opt");
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: { events: eveningHistory("opt", "digest", now) },
    });
    const created = await call<{
      scheduledTime: string;
      sendTimeSource: string;
      localTime: string;
      optimization: { explanation: string };
    }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "opt",
        notificationId: "digest",
        sendTime: {
          optimize: true,
          notBefore: new Date(windowStart).toISOString(),
          notAfter: new Date(windowStart + 24 * HOUR).toISOString(),
        },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.sendTimeSource).toBe("model");
    expect(created.body.localTime).toMatch(/T19:00:00\.000/);
    expect(created.body.optimization.explanation).toMatch(/evening/);
    // A user with no data and no trained model: the fallback time.
    const fresh = await call<{ sendTimeSource: string; localTime: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "nobody", notificationId: "other", timezone: "UTC", sendTime: { optimize: true } },
    });
    expect(fresh.status).toBe(201);
    expect(fresh.body.sendTimeSource).toBe("fallback");
    const both = await call<{ errors: { path: string }[] }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "x",
        notificationId: "n",
        scheduledTime: new Date(now + HOUR).toISOString(),
        sendTime: { optimize: true },
      },
    });
    expect(both.status).toBe(400);
    expect(both.body.errors[0]!.path).toBe("sendTime");
  });

  it("training reports fit metrics, and performance lists the models", async () => {
    const t = await createTenant();
    expect((await call("POST", "/v1/optimization/train", { key: t.apiKey })).status).toBe(409);
    const now = Date.now();
    for (const u of ["a", "b", "c"]) {
      await berlinUser(t, u);
      await call("POST", "/v1/engagement", {
        key: t.apiKey,
        body: { events: eveningHistory(u, "digest", now) },
      });
    }
    const trained = await call<{
      users: number;
      events: number;
      metrics: { logLoss: number; auc: number; calibrationError: number };
    }>("POST", "/v1/optimization/train", { key: t.apiKey });
    expect(trained.body.users).toBe(3);
    expect(trained.body.metrics.auc).toBeGreaterThan(0.7);
    const perf = await call<{ models: { type: string }[] }>("GET", "/v1/optimization/performance", {
      key: t.apiKey,
    });
    expect(perf.body.models.map((m) => m.type).sort()).toEqual(["*", "digest"]);
    // Live results: two optimized sends for user a, one of them reported opened.
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await call<{ id: string }>("POST", "/v1/schedules", {
        key: t.apiKey,
        body: { userId: "a", notificationId: "digest", sendTime: { optimize: true } },
      });
      ids.push(created.body.id);
    }
    await reportOpened(t.apiKey, { userId: "a", notificationType: "digest", scheduleId: ids[0]! });
    const live = await call<{
      live: { bySource: { source: string; sends: number; opens: number; rate: number }[] };
    }>("GET", "/v1/optimization/performance", { key: t.apiKey });
    expect(live.body.live.bySource).toEqual([
      expect.objectContaining({ source: "model", sends: 2, opens: 1, rate: 0.5 }),
    ]);
  });

  it("a manual override keeps the schedule and records its source; bulk answers in request order", async () => {
    const t = await createTenant();
    const created = await call<{ id: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "o", notificationId: "n", timezone: "UTC", sendTime: { optimize: true } },
    });
    const sendAt = new Date(Date.now() + 5 * HOUR).toISOString();
    const overridden = await call<{ scheduledTime: string; sendTimeSource: string }>(
      "PUT",
      `/v1/schedules/${created.body.id}/send-time`,
      { key: t.apiKey, body: { sendAt } },
    );
    expect(overridden.status).toBe(200);
    expect(overridden.body).toMatchObject({ scheduledTime: sendAt, sendTimeSource: "override" });
    const bulk = await call<{
      results: { index: number; userId?: string; source?: string; error?: { status: number } }[];
    }>("POST", "/v1/optimization/bulk", {
      key: t.apiKey,
      body: {
        requests: [{ userId: "a" }, { userId: "" }, { userId: "b", notAfter: "soon" }, { userId: "c" }],
      },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(bulk.body.results[0]!.source).toBe("fallback");
    expect(bulk.body.results[1]!.error!.status).toBe(400);
    expect(bulk.body.results[2]!.error!.status).toBe(400);
    expect(bulk.body.results[3]!.userId).toBe("c");
  });

  it("an experiment splits optimized schedules between variants by user, and reports per-variant results", async () => {
    const t = await createTenant();
    const experiment = await call<{ id: string }>("POST", "/v1/experiments", {
      key: t.apiKey,
      body: {
        name: "optimized vs 10:00",
        notificationType: "promo",
        variants: [
          { name: "optimized", strategy: "optimized" },
          { name: "control", strategy: "fixed", localTime: "10:00" },
        ],
        allocation: [50, 50],
      },
    });
    expect(experiment.status).toBe(201);
    const now = Date.now();
    const window = {
      optimize: true,
      notBefore: new Date(now + HOUR).toISOString(),
      notAfter: new Date(now + 25 * HOUR).toISOString(),
    };
    const sources: Record<string, string> = {};
    for (let i = 0; i < 24; i++) {
      const created = await call<{ id: string; sendTimeSource: string; localTime: string }>(
        "POST",
        "/v1/schedules",
        {
          key: t.apiKey,
          body: { userId: `x${i}`, notificationId: "promo", timezone: "Asia/Tokyo", sendTime: window },
        },
      );
      expect(created.status).toBe(201);
      sources[`x${i}`] = created.body.sendTimeSource;
      if (created.body.sendTimeSource === "fixed")
        expect(created.body.localTime).toMatch(/T10:00:00\.000\+09:00$/);
      if (i % 2 === 0) {
        // The tenant reports an open of this send (as its engagement event).
        await call("POST", "/v1/engagement", {
          key: t.apiKey,
          body: {
            events: [
              {
                userId: `x${i}`,
                notificationType: "promo",
                event: "opened",
                at: new Date().toISOString(),
                scheduleId: created.body.id,
              },
            ],
          },
        });
      }
    }
    // The same user lands in the same variant again.
    const again = await call<{ sendTimeSource: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "x0", notificationId: "promo", timezone: "Asia/Tokyo", sendTime: window },
    });
    expect(again.body.sendTimeSource === "fixed").toBe(sources.x0 === "fixed");
    const results = await call<{
      control: string;
      variants: { name: string; sends: number; opens: number; interval95: number[] }[];
    }>("GET", `/v1/experiments/${experiment.body.id}/results`, { key: t.apiKey });
    expect(results.body.control).toBe("control");
    const fixedCount = Object.values(sources).filter((s) => s === "fixed").length;
    expect(results.body.variants.map((v) => v.sends)).toEqual([
      24 - fixedCount + (sources.x0 === "fixed" ? 0 : 1),
      fixedCount + (sources.x0 === "fixed" ? 1 : 0),
    ]);
    expect(fixedCount).toBeGreaterThan(3);
    expect(fixedCount).toBeLessThan(21);
    expect(results.body.variants.reduce((n, v) => n + v.opens, 0)).toBe(12);
  });

  it("respects the tenant's frequency cap: no optimized time within 12 h of another send", async () => {
    const t = await createTenant();
    await call("PATCH", "/v1/tenant", { key: t.apiKey, body: { maxPerUserPerDay: 1 } });
    const now = Date.now();
    const existing = new Date(now + 6 * HOUR).toISOString();
    await call("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "capped", notificationId: "n", scheduledTime: existing, timezone: "UTC" },
    });
    const res = await call<Optimal>(
      "GET",
      `/v1/users/capped/optimal-send-time?notBefore=${new Date(now + HOUR).toISOString()}&notAfter=${new Date(now + 30 * HOUR).toISOString()}`,
      { key: t.apiKey },
    );
    expect(res.status).toBe(200);
    expect(Math.abs(Date.parse(res.body.sendAt) - Date.parse(existing))).toBeGreaterThanOrEqual(12 * HOUR);
    // A window that lies entirely within the cap has no allowed time.
    const none = await call(
      "GET",
      `/v1/users/capped/optimal-send-time?notBefore=${new Date(now + 2 * HOUR).toISOString()}&notAfter=${new Date(now + 10 * HOUR).toISOString()}`,
      { key: t.apiKey },
    );
    expect(none.status).toBe(409);
  });

  it("never proposes a time the user's calendar marks busy", async () => {
    const t = await createTenant();
    const now = Date.now();
    // Busy every day 17:00–20:00 UTC (18:00–21:00 in Berlin in winter), around the user's favourite 19:00.
    const start = new Date(Math.floor(now / DAY) * DAY - 2 * DAY + 17 * HOUR)
      .toISOString()
      .replace(/[-:]/g, "")
      .slice(0, 15);
    const ics = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//test//EN",
      "BEGIN:VEVENT",
      "UID:evening-busy",
      `DTSTART:${start}Z`,
      "DURATION:PT3H",
      "RRULE:FREQ=DAILY;COUNT=30",
      "END:VEVENT",
      "END:VCALENDAR",
    ].join("\r\n");
    await env.RECEIVER.fetch(`https://receiver.test/__calendar/${t.sink}`, { method: "POST", body: ics });
    await berlinUser(t, "busy", { calendarIcsUrl: `https://calendar.test/calendars/${t.sink}` });
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: { events: eveningHistory("busy", "digest", now) },
    });
    const notBefore = new Date(Math.ceil(now / DAY) * DAY + 7 * HOUR).toISOString();
    const notAfter = new Date(Date.parse(notBefore) + 14 * HOUR).toISOString();
    const res = await call<Optimal>(
      "GET",
      `/v1/users/busy/optimal-send-time?type=digest&notBefore=${notBefore}&notAfter=${notAfter}`,
      { key: t.apiKey },
    );
    expect(res.status).toBe(200);
    const hourUtc = new Date(res.body.sendAt).getUTCHours();
    expect(hourUtc >= 17 && hourUtc < 20).toBe(false);
  });

  it("learns from its own deliveries: a delivered schedule is a send, its opened callback an open", async () => {
    const t = await createTenant();
    const created = await call<{ id: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "self-taught", notificationId: "welcome", scheduledTime: new Date().toISOString() },
    });
    await waitForScheduleStatus(t.apiKey, created.body.id, "completed");
    const opened = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: created.body.id, event: "opened" },
    });
    expect(opened.status).toBe(202);
    const profile = await call<{ profiles: { notificationType: string; sends: number; opens: number }[] }>(
      "GET",
      "/v1/users/self-taught/engagement-profile",
      { key: t.apiKey },
    );
    expect(profile.body.profiles).toEqual([
      expect.objectContaining({
        notificationType: "welcome",
        sends: expect.closeTo(1, 2),
        opens: expect.closeTo(1, 2),
      }),
    ]);
  });

  it("marks sends whose hour the optimizer chose from the user's history as personal", async () => {
    const t = await createTenant();
    await berlinUser(t, "p");
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: { events: eveningHistory("p", "digest", Date.now()) },
    });
    await call("POST", "/v1/optimization/train", { key: t.apiKey });
    const optimized = await call<{ id: string; sendTimeSource: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "p", notificationId: "digest", sendTime: { optimize: true } },
    });
    expect(optimized.body.sendTimeSource).toBe("model");
    const fixed = await call<{ id: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "p",
        notificationId: "digest",
        scheduledTime: new Date(Date.now() + DAY).toISOString(),
      },
    });
    // The tenant reports both as sent, and the optimized one as opened.
    const at = new Date().toISOString();
    const report = (scheduleId: string, event: string) => ({
      userId: "p",
      notificationType: "digest",
      event,
      at,
      scheduleId,
    });
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: {
        events: [
          report(optimized.body.id, "sent"),
          report(fixed.body.id, "sent"),
          report(optimized.body.id, "opened"),
        ],
      },
    });
    const profile = await call<{ profiles: { sends: number; personalSends: number }[] }>(
      "GET",
      "/v1/users/p/engagement-profile",
      { key: t.apiKey },
    );
    expect(profile.body.profiles).toHaveLength(1);
    expect(profile.body.profiles[0]!.personalSends).toBeCloseTo(1, 2);
    expect(profile.body.profiles[0]!.sends).toBeGreaterThan(60);
    // With every optimized send exploring, the send goes to a random allowed time and is not personal.
    const tenant = await call<{ explorationShare: number }>("PATCH", "/v1/tenant", {
      key: t.apiKey,
      body: { explorationShare: 1 },
    });
    expect(tenant.body.explorationShare).toBe(1);
    const explored = await call<{ id: string; sendTimeSource: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "p", notificationId: "digest", sendTime: { optimize: true } },
    });
    expect(explored.body.sendTimeSource).toBe("exploration");
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: { events: [report(explored.body.id, "sent")] },
    });
    const after = await call<{ profiles: { personalSends: number }[] }>(
      "GET",
      "/v1/users/p/engagement-profile",
      {
        key: t.apiKey,
      },
    );
    expect(after.body.profiles[0]!.personalSends).toBeCloseTo(1, 2);
    const bad = await call<{ errors: { path: string }[] }>("PATCH", "/v1/tenant", {
      key: t.apiKey,
      body: { explorationShare: 1.5 },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("explorationShare");
  });

  it("the Cron Trigger retrains at the top of the hour for tenants with new engagement", async () => {
    const t = await createTenant();
    await berlinUser(t, "hourly");
    await call("POST", "/v1/engagement", {
      key: t.apiKey,
      body: { events: eveningHistory("hourly", "digest", Date.now()) },
    });
    const before = await call<{ models: unknown[] }>("GET", "/v1/optimization/performance", {
      key: t.apiKey,
    });
    expect(before.body.models).toHaveLength(0);
    const topOfHour = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
    await worker.scheduled(createScheduledController({ scheduledTime: topOfHour, cron: "* * * * *" }), env);
    const after = await call<{ models: { type: string }[] }>("GET", "/v1/optimization/performance", {
      key: t.apiKey,
    });
    expect(after.body.models.map((m) => m.type).sort()).toEqual(["*", "digest"]);
  });

  it("bulk creates accept sendTime.optimize per item; an item with no allowed time fails alone", async () => {
    const t = await createTenant();
    await call("PUT", "/v1/users/night", {
      key: t.apiKey,
      body: { timezone: "UTC", quietHours: { start: "00:00", end: "23:59" } },
    });
    const res = await call<{
      created: number;
      failed: number;
      results: { index: number; id?: string; error?: { errors: { path: string }[] } }[];
    }>("POST", "/v1/schedules/bulk", {
      key: t.apiKey,
      body: {
        schedules: [
          { userId: "b1", notificationId: "n", timezone: "UTC", sendTime: { optimize: true } },
          { userId: "b2", notificationId: "n", scheduledTime: new Date(Date.now() + HOUR).toISOString() },
          { userId: "night", notificationId: "n", sendTime: { optimize: true } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, failed: 1 });
    expect(res.body.results[2]!.error!.errors[0]!.path).toBe("sendTime");
    const first = await call<{ sendTimeSource: string; localTime: string }>(
      "GET",
      `/v1/schedules/${res.body.results[0]!.id}`,
      { key: t.apiKey },
    );
    expect(first.body.sendTimeSource).toBe("fallback");
    expect(first.body.localTime).toMatch(/T10:00:00\.000Z$/);
  });
});
