import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { derivedScheduleId } from "../../src/lib/ids";
import { DEFAULT_RETRY_CONFIG } from "../../src/lib/schedules/model";
import { createSchedulesFor, tenantDefaults } from "../../src/workers/api/user-scheduler";
import { patternStore } from "../../src/workers/db/pattern-store";
import { systemStore } from "../../src/workers/db/tenant-store";
import worker from "../../src/workers/index";
import { generatePatterns } from "../../src/workers/recurring/generate";
import { call, createTenant, type TestTenant, waitForDeliveries } from "../support/api";

type Pattern = { id: string; status: string; humanDescription: string; payload: Record<string, unknown> };
type Schedule = {
  id: string;
  status: string;
  scheduledTime: string;
  recurringPatternId: string | null;
  payload: Record<string, unknown>;
};

const DAY = 86_400_000;

async function schedulesOf(t: TestTenant, userId: string, status?: string): Promise<Schedule[]> {
  const query = `limit=500${status ? `&status=${status}` : ""}`;
  const res = await call<{ data: Schedule[] }>("GET", `/v1/users/${userId}/schedules?${query}`, {
    key: t.apiKey,
  });
  return res.body.data;
}

function hourly(t: TestTenant, userId: string, extra: Record<string, unknown> = {}) {
  return call<Pattern>("POST", "/v1/recurring", {
    key: t.apiKey,
    body: {
      name: "hourly check-in",
      cronExpression: "0 * * * *",
      timezone: "Europe/Berlin",
      startDate: new Date(Date.now() + 60_000).toISOString(),
      target: { userId },
      notificationId: "check-in",
      payload: { v: 1 },
      ...extra,
    },
  });
}

describe("recurring patterns", () => {
  it("creating a pattern generates its next 24 h of schedules at once", async () => {
    const t = await createTenant();
    const created = await hourly(t, "r-user");
    expect(created.status).toBe(201);
    expect(created.body.humanDescription).toMatch(/Every hour.*Europe\/Berlin/);
    const pending = await schedulesOf(t, "r-user", "pending");
    expect(pending.length).toBeGreaterThanOrEqual(23);
    expect(pending.length).toBeLessThanOrEqual(25);
    expect(new Set(pending.map((s) => s.recurringPatternId))).toEqual(new Set([created.body.id]));
    expect(pending[0]!.payload).toEqual({ v: 1 });
    const status = await call<{ isActive: boolean; occurrencesGenerated: number; nextOccurrence: string }>(
      "GET",
      `/v1/recurring/${created.body.id}/status`,
      { key: t.apiKey },
    );
    expect(status.body).toMatchObject({ isActive: true, occurrencesGenerated: pending.length });
    expect(status.body.nextOccurrence).toBe(pending[0]!.scheduledTime);
  });

  it("a pattern that started in the past generates from now on, not a burst of past occurrences", async () => {
    const t = await createTenant();
    const created = await hourly(t, "late-start", {
      startDate: new Date(Date.now() - 30 * DAY).toISOString(),
    });
    expect(created.status).toBe(201);
    const all = await schedulesOf(t, "late-start");
    expect(all.length).toBeGreaterThanOrEqual(23);
    expect(all.length).toBeLessThanOrEqual(25);
    expect(all.every((s) => Date.parse(s.scheduledTime) >= Date.now() - 60_000)).toBe(true);
  });

  it("generation run twice concurrently creates each occurrence once", async () => {
    const t = await createTenant();
    const created = await hourly(t, "twice", { target: { userIds: ["twice-a", "twice-b"] } });
    const tenant = (await systemStore.findTenant(env.DB, t.id))!;
    const store = patternStore(env.DB, t.id);
    const before = (await store.getPattern(created.body.id))!;
    // Two consumers handed the same chunk, extending the horizon by two more days.
    const until = Date.now() + 3 * DAY;
    const [a, b] = await Promise.all([
      generatePatterns(env, tenant, [before], until),
      generatePatterns(env, tenant, [before], until),
    ]);
    expect(a.occurrences).toBe(b.occurrences);
    expect(a.created + b.created).toBe(2 * a.occurrences);
    expect(a.superseded + b.superseded).toBe(1);
    const after = (await store.getPattern(created.body.id))!;
    expect(after.occurrencesGenerated).toBe(before.occurrencesGenerated + a.occurrences);
    for (const userId of ["twice-a", "twice-b"]) {
      const all = await schedulesOf(t, userId);
      expect(all).toHaveLength(after.occurrencesGenerated);
      expect(new Set(all.map((s) => s.scheduledTime)).size).toBe(all.length);
    }
  });

  it("a derived id named twice, in one call or in two concurrent calls, is stored once and answered both times", async () => {
    const t = await createTenant();
    const tenant = (await systemStore.findTenant(env.DB, t.id))!;
    const owner = { tenantId: t.id, userId: "race" };
    const commands = await Promise.all(
      [1, 2, 3].map(async (n) => ({
        id: await derivedScheduleId("race", owner.userId, n),
        notificationId: "n",
        scheduledTime: new Date(Date.now() + n * DAY).toISOString(),
        timezone: "UTC",
        priority: 5,
        retryConfig: DEFAULT_RETRY_CONFIG,
        payload: { n },
        metadata: {},
      })),
    );
    const payloadOf = new Map(commands.map((c) => [c.id, c.payload]));
    // Each id is looked up inside the inserting transaction, after sealing (an await).
    const [a, b] = await Promise.all([
      createSchedulesFor(env, owner, [...commands, commands[0]!], tenantDefaults(tenant)),
      createSchedulesFor(env, owner, commands, tenantDefaults(tenant)),
    ]);
    const all = [...a, ...b];
    expect(all.every((r) => r.ok)).toBe(true);
    expect(all.filter((r) => r.ok && !r.existed)).toHaveLength(3);
    for (const r of all) if (r.ok) expect(r.schedule.payload).toEqual(payloadOf.get(r.schedule.id));
    expect(await schedulesOf(t, "race")).toHaveLength(3);
  });

  it("a run that overlaps the pattern's deletion cancels what it created", async () => {
    const t = await createTenant();
    const created = await hourly(t, "deleted-mid-run");
    const tenant = (await systemStore.findTenant(env.DB, t.id))!;
    const row = (await patternStore(env.DB, t.id).getPattern(created.body.id))!;
    // The run read the pattern; then the pattern was deleted (its pending instances cancelled).
    expect((await call("DELETE", `/v1/recurring/${created.body.id}`, { key: t.apiKey })).status).toBe(204);
    await generatePatterns(env, tenant, [row], Date.now() + 3 * DAY);
    expect(await schedulesOf(t, "deleted-mid-run", "pending")).toHaveLength(0);
  });

  it("the Cron Trigger extends patterns through the generation queue, a late or repeated run adds nothing twice", async () => {
    const t = await createTenant();
    const created = await hourly(t, "swept");
    const initial = (await schedulesOf(t, "swept")).length;
    // Pretend the schedules only reach 2 h ahead: the sweep must top the pattern up to 24 h.
    await env.DB.prepare("UPDATE recurring_patterns SET generated_until = ? WHERE id = ?")
      .bind(Date.now() + 2 * 3600_000, created.body.id)
      .run();
    for (let run = 0; run < 2; run++) {
      await worker.scheduled(
        createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }),
        env,
      );
    }
    await vi.waitFor(
      async () => {
        const row = (await patternStore(env.DB, t.id).getPattern(created.body.id))!;
        if (row.generatedUntil < Date.now() + 20 * 3600_000) throw new Error("not extended yet");
      },
      { timeout: 10_000, interval: 50 },
    );
    const all = await schedulesOf(t, "swept");
    expect(new Set(all.map((s) => s.scheduledTime)).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(initial);
  });

  it("pause cancels pending instances and fires nothing; resume generates again", async () => {
    const t = await createTenant();
    const created = await hourly(t, "paused");
    const paused = await call<Pattern>("POST", `/v1/recurring/${created.body.id}/pause`, { key: t.apiKey });
    expect(paused.body.status).toBe("paused");
    expect(await schedulesOf(t, "paused", "pending")).toHaveLength(0);
    const status = await call<{ isActive: boolean; nextOccurrence: string | null }>(
      "GET",
      `/v1/recurring/${created.body.id}/status`,
      { key: t.apiKey },
    );
    expect(status.body).toMatchObject({ isActive: false, nextOccurrence: null });
    // A sweep does not touch a paused pattern.
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env);
    expect(await schedulesOf(t, "paused", "pending")).toHaveLength(0);
    const resumed = await call<Pattern>("POST", `/v1/recurring/${created.body.id}/resume`, { key: t.apiKey });
    expect(resumed.body.status).toBe("active");
    expect((await schedulesOf(t, "paused", "pending")).length).toBeGreaterThanOrEqual(23);
  });

  it("patch updates the instances not yet fired; delete cancels them", async () => {
    const t = await createTenant();
    const created = await hourly(t, "edited");
    const patched = await call<Pattern>("PATCH", `/v1/recurring/${created.body.id}`, {
      key: t.apiKey,
      body: { payload: { v: 2 }, cronExpression: "30 */2 * * *" },
    });
    expect(patched.status).toBe(200);
    const pending = await schedulesOf(t, "edited", "pending");
    expect(pending.length).toBeGreaterThanOrEqual(11);
    expect(pending.length).toBeLessThanOrEqual(13);
    for (const s of pending) {
      expect(s.payload).toEqual({ v: 2 });
      expect(new Date(s.scheduledTime).getUTCMinutes()).toBe(30);
    }
    const deleted = await call("DELETE", `/v1/recurring/${created.body.id}`, { key: t.apiKey });
    expect(deleted.status).toBe(204);
    expect(await schedulesOf(t, "edited", "pending")).toHaveLength(0);
    expect((await call("GET", `/v1/recurring/${created.body.id}`, { key: t.apiKey })).status).toBe(404);
  });

  it("a pattern due in seconds fires on its own, through the ordinary delivery path", async () => {
    const t = await createTenant();
    const start = Date.now();
    const created = await call<Pattern>("POST", "/v1/recurring", {
      key: t.apiKey,
      body: {
        name: "every 2 s, three times",
        cronExpression: "*/2 * * * * *",
        timezone: "UTC",
        startDate: new Date(start).toISOString(),
        maxOccurrences: 3,
        target: { userId: "soon" },
        notificationId: "tick",
      },
    });
    expect(created.status).toBe(201);
    const received = await waitForDeliveries(t.sink, 3, 20_000);
    const bodies = received.map(
      (d) => JSON.parse(d.body) as { recurringPatternId: string; scheduledTime: string },
    );
    expect(bodies.every((b) => b.recurringPatternId === created.body.id)).toBe(true);
    expect(new Set(bodies.map((b) => b.scheduledTime)).size).toBe(3);
  });

  it("an unknown or foreign pattern is a 404", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const created = await hourly(t, "mine");
    expect((await call("GET", `/v1/recurring/${created.body.id}`, { key: other.apiKey })).status).toBe(404);
    expect((await call("POST", `/v1/recurring/${created.body.id}/pause`, { key: other.apiKey })).status).toBe(
      404,
    );
    expect((await call("DELETE", `/v1/recurring/rpt_nothing`, { key: t.apiKey })).status).toBe(404);
  });
});

describe("preview and validate", () => {
  it("preview lists up to 1,000 occurrences from startDate, without storing anything", async () => {
    const t = await createTenant();
    const res = await call<{ occurrences: string[] }>("POST", "/v1/recurring/preview", {
      key: t.apiKey,
      body: {
        intervalType: "months",
        intervalValue: 1,
        timezone: "Europe/Berlin",
        startDate: "2027-01-31T10:00:00",
        count: 4,
      },
    });
    expect(res.body.occurrences).toEqual([
      "2027-01-31T09:00:00.000Z",
      "2027-02-28T09:00:00.000Z",
      "2027-03-31T08:00:00.000Z",
      "2027-04-30T08:00:00.000Z",
    ]);
    const many = await call<{ occurrences: string[] }>("POST", "/v1/recurring/preview", {
      key: t.apiKey,
      body: { cronExpression: "* * * * *", timezone: "UTC", startDate: "2027-01-01T00:00:00", count: 1000 },
    });
    expect(many.body.occurrences).toHaveLength(1000);
    const tooMany = await call("POST", "/v1/recurring/preview", {
      key: t.apiKey,
      body: { cronExpression: "* * * * *", timezone: "UTC", startDate: "2027-01-01T00:00:00", count: 1001 },
    });
    expect(tooMany.status).toBe(400);
  });

  it("an invalid rule is a 400 that names the field", async () => {
    const t = await createTenant();
    const cases: [Record<string, unknown>, string][] = [
      [{ cronExpression: "0 0 30 2 *" }, "cronExpression"],
      [{ cronExpression: "61 * * * *" }, "cronExpression"],
      [{ intervalType: "days" }, "intervalValue"],
      [{ cronExpression: "0 9 * * *", intervalType: "days", intervalValue: 1 }, "cronExpression"],
      [{ cronExpression: "0 9 * * *", endDate: "2026-01-01T00:00:00" }, "endDate"],
      [{ cronExpression: "0 9 * * *", skipHolidays: true }, "holidayCountry"],
      [{ cronExpression: "0 9 * * *", startDate: "tomorrow" }, "startDate"],
    ];
    for (const [fields, path] of cases) {
      const res = await call<{ errors: { path: string }[] }>("POST", "/v1/recurring/preview", {
        key: t.apiKey,
        body: { timezone: "UTC", startDate: "2027-01-01T00:00:00", ...fields },
      });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.body.errors.map((e) => e.path)).toContain(path);
    }
  });

  it("validate says what is wrong, or what the expression means and when it fires next", async () => {
    const t = await createTenant();
    const bad = await call("POST", "/v1/recurring/validate", {
      key: t.apiKey,
      body: { cronExpression: "0 25 * * *" },
    });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ valid: false, errors: [{ path: "cronExpression" }] });
    expect((bad.body as { errors: { message: string }[] }).errors[0]!.message).toMatch(/^hour field "25"/);
    const never = await call("POST", "/v1/recurring/validate", {
      key: t.apiKey,
      body: { cronExpression: "0 0 30 2 *" },
    });
    expect(JSON.stringify(never.body)).toMatch(/never matches/);
    const good = await call<{ valid: boolean; kind: string; description: string; next: string[] }>(
      "POST",
      "/v1/recurring/validate",
      { key: t.apiKey, body: { cronExpression: "0 9 * * MON-FRI", timezone: "America/New_York" } },
    );
    expect(good.body.valid).toBe(true);
    expect(good.body.kind).toBe("fixed-time");
    expect(good.body.description).toMatch(/09:00.*Monday through Friday/);
    expect(good.body.next).toHaveLength(5);
  });
});

describe("one-off schedules in business and quiet hours", () => {
  it("respectQuietHours moves a time inside the user's quiet hours to their end (adjusted)", async () => {
    const t = await createTenant();
    await call("PUT", "/v1/users/night-owl", {
      key: t.apiKey,
      body: { timezone: "Europe/Berlin", quietHours: { start: "22:00", end: "08:00" } },
    });
    const res = await call<{ scheduledTime: string; adjusted: boolean }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "night-owl",
        notificationId: "n",
        scheduledTime: "2027-06-10T23:30:00",
        respectQuietHours: true,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ scheduledTime: "2027-06-11T06:00:00.000Z", adjusted: true });
  });

  it("businessHoursOnly moves a Saturday evening to Monday morning, past a holiday", async () => {
    const t = await createTenant();
    await call("PUT", "/v1/users/office", {
      key: t.apiKey,
      body: { timezone: "Europe/Berlin", holidayCountry: "DE" },
    });
    // Sat 1 May 2027... Saturday 2027-05-01 (Labour Day) 18:00 → Monday 3 May 09:00 CEST.
    const res = await call<{ scheduledTime: string; adjusted: boolean }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "office",
        notificationId: "n",
        scheduledTime: "2027-05-01T18:00:00",
        businessHoursOnly: true,
      },
    });
    expect(res.body).toMatchObject({ scheduledTime: "2027-05-03T07:00:00.000Z", adjusted: true });
    // Whit Monday 2027 is May 17: a Sunday-evening request lands on Tuesday.
    const whit = await call<{ scheduledTime: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "office",
        notificationId: "n",
        scheduledTime: "2027-05-16T20:00:00",
        businessHoursOnly: true,
      },
    });
    expect(whit.body.scheduledTime).toBe("2027-05-18T07:00:00.000Z");
  });
});
