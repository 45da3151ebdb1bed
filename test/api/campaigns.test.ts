import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { CampaignMessage } from "../../src/lib/journeys/campaign-plan";
import { inSample } from "../../src/lib/journeys/timing";
import worker from "../../src/workers/index";
import { call, createTenant, type TestTenant, waitForScheduleStatus } from "../support/api";

type Campaign = { id: string; status: string; audience: { size: number }; phases: { dueAt: string }[] };
type Progress = {
  status: string;
  audience: number;
  scheduled: number;
  sent: number;
  pending: number;
  skipped: number;
  fanOut: { chunks: number; chunksDone: number; recipientsProcessed: number; schedulesCreated: number };
  byPhase: { phase: string; scheduled: number; sent: number; skipped: number }[];
};
type Indexed = { id: string; userId: string; status: string; scheduledTime: string };
type Schedule = {
  id: string;
  status: string;
  scheduledTime: string;
  localTime: string;
  failureReason: string | null;
};

function createCampaign(t: TestTenant, body: Record<string, unknown>) {
  return call<Campaign>("POST", "/v1/campaigns", {
    key: t.apiKey,
    body: {
      name: "winter sale",
      timezone: "UTC",
      startDate: "2027-03-14T00:00:00Z",
      phases: [{ name: "announce", notificationTemplate: { notificationId: "sale", payload: { pct: 20 } } }],
      ...body,
    },
  });
}

async function scheduleAndWait(t: TestTenant, id: string): Promise<Progress> {
  const scheduled = await call<Campaign>("POST", `/v1/campaigns/${id}/schedule`, { key: t.apiKey });
  expect(scheduled.status).toBe(200);
  return fannedOut(t, id);
}

/**
 * Poll progress (never a fixed sleep) until every chunk is done and the index (which follows the
 * recipients' objects through their outboxes) holds every schedule the fan-out created.
 */
function fannedOut(t: TestTenant, id: string, scheduled?: number): Promise<Progress> {
  return vi.waitFor(
    async () => {
      const p = (await call<Progress>("GET", `/v1/campaigns/${id}/progress`, { key: t.apiKey })).body;
      if (p.fanOut.chunksDone < p.fanOut.chunks)
        throw new Error(`${p.fanOut.chunksDone}/${p.fanOut.chunks} chunks`);
      if (p.scheduled < p.fanOut.schedulesCreated) throw new Error(`${p.scheduled} indexed so far`);
      if (scheduled !== undefined && p.scheduled < scheduled) throw new Error(`${p.scheduled} indexed`);
      return p;
    },
    { timeout: 60_000, interval: 100 },
  );
}

async function indexed(t: TestTenant, query: string): Promise<Indexed[]> {
  const all: Indexed[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: Indexed[]; nextCursor: string | null } = (
      await call<{ data: Indexed[]; nextCursor: string | null }>(
        "GET",
        `/v1/schedules?limit=500&${query}${cursor ? `&cursor=${cursor}` : ""}`,
        { key: t.apiKey },
      )
    ).body;
    all.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

async function userSchedules(t: TestTenant, userId: string): Promise<Schedule[]> {
  return (await call<{ data: Schedule[] }>("GET", `/v1/users/${userId}/schedules`, { key: t.apiKey })).body
    .data;
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("campaigns", () => {
  it("lands at 09:00 local for each recipient, on a US DST-change day, and in the campaign zone without one", async () => {
    const t = await createTenant();
    for (const [userId, timezone] of [
      ["c-berlin", "Europe/Berlin"],
      ["c-newyork", "America/New_York"],
      ["c-tokyo", "Asia/Tokyo"],
    ]) {
      expect((await call("PUT", `/v1/users/${userId}`, { key: t.apiKey, body: { timezone } })).status).toBe(
        200,
      );
    }
    // 2027-03-14 is the day New York springs forward; 00:00Z is exactly 09:00 in Tokyo (inclusive).
    const created = await createCampaign(t, {
      timezone: "America/Sao_Paulo",
      audience: { userIds: ["c-berlin", "c-newyork", "c-tokyo", "c-nozone"] },
      rules: { localTime: "09:00" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "draft", audience: { size: 4 } });
    const progress = await scheduleAndWait(t, created.body.id);
    expect(progress).toMatchObject({ audience: 4, scheduled: 4, pending: 4 });
    const expected: Record<string, [string, string]> = {
      "c-berlin": ["2027-03-14T08:00:00.000Z", "2027-03-14T09:00:00.000+01:00"],
      "c-newyork": ["2027-03-14T13:00:00.000Z", "2027-03-14T09:00:00.000-04:00"],
      "c-tokyo": ["2027-03-14T00:00:00.000Z", "2027-03-14T09:00:00.000+09:00"],
      // No timezone of their own: the campaign's (São Paulo, UTC-3: 00:00Z is 21:00 the day before,
      // so the first 09:00 after it is the next morning).
      "c-nozone": ["2027-03-14T12:00:00.000Z", "2027-03-14T09:00:00.000-03:00"],
    };
    for (const [userId, [instant, local]] of Object.entries(expected)) {
      const [s] = await userSchedules(t, userId);
      expect({ userId, scheduledTime: s?.scheduledTime, localTime: s?.localTime }).toEqual({
        userId,
        scheduledTime: instant,
        localTime: local,
      });
    }
    // The tenant-wide list sees them too, ordered by time.
    const listed = await indexed(t, `campaignId=${created.body.id}`);
    expect(listed.map((s) => s.userId)).toEqual(["c-tokyo", "c-berlin", "c-nozone", "c-newyork"]);
  });

  it("respectQuietHours moves a recipient's send out of their quiet hours; optimizeSendTime picks within a day", async () => {
    const t = await createTenant();
    expect(
      (
        await call("PUT", "/v1/users/c-quiet", {
          key: t.apiKey,
          body: { timezone: "Europe/Berlin", quietHours: { start: "22:00", end: "07:00" } },
        })
      ).status,
    ).toBe(200);
    const quiet = await createCampaign(t, {
      audience: { userIds: ["c-quiet"] },
      rules: { localTime: "23:30", respectQuietHours: true },
    });
    await scheduleAndWait(t, quiet.body.id);
    const [moved] = await userSchedules(t, "c-quiet");
    // 23:30 on 2027-03-14 is quiet: the send moves to 07:00 the next morning (CET, +01:00).
    expect(moved?.localTime).toBe("2027-03-15T07:00:00.000+01:00");

    const optimized = await createCampaign(t, {
      audience: { userIds: ["c-opt"] },
      rules: { optimizeSendTime: true },
    });
    await scheduleAndWait(t, optimized.body.id);
    const [chosen] = (
      await call<{ data: (Schedule & { sendTimeSource: string })[] }>("GET", "/v1/users/c-opt/schedules", {
        key: t.apiKey,
      })
    ).body.data;
    const at = Date.parse(chosen!.scheduledTime);
    expect(chosen!.sendTimeSource).not.toBe("fixed");
    expect(at).toBeGreaterThanOrEqual(Date.parse("2027-03-14T00:00:00Z"));
    expect(at).toBeLessThanOrEqual(Date.parse("2027-03-15T00:00:00Z"));
    // The optimized send counts in the live metrics (and so in the next recalibration).
    const live = await call<{ live: { bySource: { source: string; sends: number }[] } }>(
      "GET",
      "/v1/optimization/performance",
      { key: t.apiKey },
    );
    expect(live.body.live.bySource).toEqual([
      expect.objectContaining({ source: chosen!.sendTimeSource, sends: 1 }),
    ]);
  });

  it("pause, resume and cancel reach every recipient, also while the fan-out is still running", async () => {
    const t = await createTenant();
    const audience = ids("pr", 1_050); // two chunks
    const created = await createCampaign(t, { audience: { userIds: audience } });
    expect((await call("POST", `/v1/campaigns/${created.body.id}/schedule`, { key: t.apiKey })).status).toBe(
      200,
    );
    const paused = await call<Campaign>("POST", `/v1/campaigns/${created.body.id}/pause`, { key: t.apiKey });
    expect(paused.body.status).toBe("paused");
    await fannedOut(t, created.body.id, 1_050);
    await vi.waitFor(
      async () => {
        const list = await indexed(t, `campaignId=${created.body.id}&status=paused`);
        if (list.length !== 1_050) throw new Error(`${list.length} paused`);
      },
      { timeout: 30_000, interval: 200 },
    );
    // The objects agree with the index (a sample).
    for (const userId of ["pr-0", "pr-999", "pr-1049"])
      expect((await userSchedules(t, userId))[0]?.status).toBe("paused");

    const resumed = await call<Campaign>("POST", `/v1/campaigns/${created.body.id}/resume`, {
      key: t.apiKey,
    });
    expect(resumed.body.status).toBe("scheduled");
    await vi.waitFor(
      async () => {
        const p = (
          await call<Progress>("GET", `/v1/campaigns/${created.body.id}/progress`, { key: t.apiKey })
        ).body;
        const stillPaused = await indexed(t, `campaignId=${created.body.id}&status=paused`);
        if (stillPaused.length > 0 || p.pending !== 1_050)
          throw new Error(`${stillPaused.length} still paused`);
      },
      { timeout: 30_000, interval: 200 },
    );
    expect((await userSchedules(t, "pr-1049"))[0]?.status).toBe("pending");

    const cancelled = await call<Campaign>("POST", `/v1/campaigns/${created.body.id}/cancel`, {
      key: t.apiKey,
    });
    expect(cancelled.body.status).toBe("cancelled");
    await vi.waitFor(
      async () => {
        const p = (
          await call<Progress>("GET", `/v1/campaigns/${created.body.id}/progress`, { key: t.apiKey })
        ).body;
        if (p.skipped !== 1_050) throw new Error(`${p.skipped} cancelled`);
      },
      { timeout: 30_000, interval: 200 },
    );
    expect((await userSchedules(t, "pr-7"))[0]?.status).toBe("cancelled");
    // Invalid transitions are 409s.
    const again = await call("POST", `/v1/campaigns/${created.body.id}/resume`, { key: t.apiKey });
    expect(again.status).toBe(409);
    const draft = await createCampaign(t, { audience: { userIds: ["x"] } });
    expect((await call("POST", `/v1/campaigns/${draft.body.id}/pause`, { key: t.apiKey })).status).toBe(409);
    // 1,050 objects, each changed three times and flushed to the index each time: a long test.
  }, 90_000);

  it("a chunk the Queue delivers again, or twice at once, creates and counts nothing twice", async () => {
    const t = await createTenant();
    const created = await createCampaign(t, {
      audience: { userIds: ids("dup", 40) },
      phases: [
        { name: "one", notificationTemplate: "n1" },
        { name: "two", delay: "P1D", notificationTemplate: "n2" },
      ],
    });
    const first = await scheduleAndWait(t, created.body.id);
    expect(first).toMatchObject({ scheduled: 80, fanOut: { chunksDone: 1, recipientsProcessed: 40 } });
    const message: CampaignMessage = {
      kind: "campaign",
      action: "fan-out",
      tenantId: t.id,
      campaignId: created.body.id,
      seq: 0,
    };
    const batch = createMessageBatch<CampaignMessage>("campaign-work", [
      { id: "again-1", timestamp: new Date(), attempts: 2, body: message },
    ]);
    const twin = createMessageBatch<CampaignMessage>("campaign-work", [
      { id: "again-2", timestamp: new Date(), attempts: 2, body: message },
    ]);
    const [ctxA, ctxB] = [createExecutionContext(), createExecutionContext()];
    await Promise.all([worker.queue(batch, env, ctxA), worker.queue(twin, env, ctxB)]);
    const [resultA, resultB] = await Promise.all([getQueueResult(batch, ctxA), getQueueResult(twin, ctxB)]);
    expect(resultA.explicitAcks).toEqual(["again-1"]);
    expect(resultB.explicitAcks).toEqual(["again-2"]);
    const after = (
      await call<Progress>("GET", `/v1/campaigns/${created.body.id}/progress`, { key: t.apiKey })
    ).body;
    expect(after).toMatchObject({ scheduled: 80, fanOut: { chunksDone: 1, recipientsProcessed: 40 } });
    expect(await userSchedules(t, "dup-3")).toHaveLength(2);
  });

  it("a chunk the Queue gave up on is queued again by the Cron Trigger", async () => {
    const t = await createTenant();
    const created = await createCampaign(t, { audience: { userIds: ids("lost", 1_010) } });
    await scheduleAndWait(t, created.body.id);
    // As if chunk 1 had never been processed (its message dead after 10 tries), 20 minutes ago.
    const past = Date.now() - 20 * 60_000;
    await env.DB.batch([
      env.DB.prepare("DELETE FROM campaign_chunks WHERE campaign_id = ? AND seq = 1").bind(created.body.id),
      env.DB.prepare("DELETE FROM schedule_index WHERE campaign_id = ? AND user_id LIKE 'lost-10__'").bind(
        created.body.id,
      ),
      env.DB.prepare("UPDATE campaigns SET scheduled_at = ?, updated_at = ? WHERE id = ?").bind(
        past,
        past,
        created.body.id,
      ),
    ]);
    const before = (
      await call<Progress>("GET", `/v1/campaigns/${created.body.id}/progress`, { key: t.apiKey })
    ).body;
    expect(before.fanOut.chunksDone).toBe(1);
    expect(before.scheduled).toBe(1_000);
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env);
    const repaired = await fannedOut(t, created.body.id, 1_010);
    expect(repaired).toMatchObject({
      scheduled: 1_010,
      fanOut: { chunksDone: 2, recipientsProcessed: 1_010 },
    });
  });

  it("targetPercentage samples a stable share of the audience", async () => {
    // The sampling itself: stable and close to the percentage over many ids.
    const many = ids("sample", 20_000);
    const share = many.filter((u) => inSample("cmp_x:0", u, 30)).length / many.length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.32);
    expect(many.filter((u) => inSample("cmp_x:0", u, 30))).toEqual(
      many.filter((u) => inSample("cmp_x:0", u, 30)),
    );

    const t = await createTenant();
    const audience = ids("pct", 200);
    const created = await createCampaign(t, {
      audience: { userIds: audience },
      phases: [{ name: "half", notificationTemplate: "n", targetPercentage: 50 }],
    });
    const progress = await scheduleAndWait(t, created.body.id);
    const expected = audience.filter((u) => inSample(`${created.body.id}:0`, u, 50));
    expect(progress.scheduled).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(70);
    expect(expected.length).toBeLessThan(130);
    const listed = await indexed(t, `campaignId=${created.body.id}`);
    expect(listed.map((s) => s.userId).sort()).toEqual([...expected].sort());
  });

  it("a phase condition is checked at fire time: 'not opened' skips the reminder for who opened", async () => {
    const t = await createTenant();
    const created = await createCampaign(t, {
      startDate: new Date(Date.now() + 500).toISOString(),
      audience: { userIds: ["cond-opener", "cond-ignorer"] },
      phases: [
        { name: "welcome", notificationTemplate: "welcome" },
        {
          name: "reminder",
          delay: "PT4S",
          notificationTemplate: "reminder",
          conditions: [{ type: "not_opened", phase: "welcome" }],
        },
      ],
    });
    await scheduleAndWait(t, created.body.id);
    const [welcome] = await userSchedules(t, "cond-opener");
    await waitForScheduleStatus(t.apiKey, welcome!.id, "completed");
    const opened = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: welcome!.id, event: "opened" },
    });
    expect(opened.status).toBe(202);
    const reminders = async (userId: string) => (await userSchedules(t, userId))[1]!;
    const skipped = await waitForScheduleStatus(t.apiKey, (await reminders("cond-opener")).id, "cancelled");
    expect(skipped.failureReason).toBe('condition not met: phase "welcome" was opened');
    await waitForScheduleStatus(t.apiKey, (await reminders("cond-ignorer")).id, "completed");
    await vi.waitFor(
      async () => {
        const p = (
          await call<Progress>("GET", `/v1/campaigns/${created.body.id}/progress`, { key: t.apiKey })
        ).body;
        expect(p.byPhase).toEqual([
          { phase: "welcome", scheduled: 2, sent: 2, failed: 0, pending: 0, skipped: 0 },
          { phase: "reminder", scheduled: 2, sent: 1, failed: 0, pending: 0, skipped: 1 },
        ]);
      },
      { timeout: 10_000, interval: 100 },
    );
    // The Cron Trigger sees the last phase past and nothing pending: the campaign is completed.
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env);
    const done = await call<Campaign>("GET", `/v1/campaigns/${created.body.id}`, { key: t.apiKey });
    expect(done.body.status).toBe("completed");
    const metrics = await call("GET", `/v1/campaigns/${created.body.id}/metrics`, { key: t.apiKey });
    expect(metrics.body).toMatchObject({
      sent: 3,
      opened: 1,
      byPhase: [
        { phase: "welcome", sent: 2, opened: 1, openRate: 0.5 },
        { phase: "reminder", sent: 1, opened: 0 },
      ],
    });
  });

  it("throttlePerMinute holds across the whole campaign, across chunks", async () => {
    const t = await createTenant();
    const created = await createCampaign(t, {
      audience: { userIds: ids("thr", 1_030) },
      rules: { throttlePerMinute: 400 },
    });
    await scheduleAndWait(t, created.body.id);
    const listed = await vi.waitFor(
      async () => {
        const list = await indexed(t, `campaignId=${created.body.id}`);
        if (list.length < 1_030) throw new Error(`${list.length} indexed`);
        return list;
      },
      { timeout: 30_000, interval: 200 },
    );
    const perMinute = new Map<number, number>();
    for (const s of listed) {
      const minute = Math.floor(Date.parse(s.scheduledTime) / 60_000);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    expect([...perMinute.values()].sort((a, b) => b - a)).toEqual([400, 400, 230]);
    const throttle = env.CAMPAIGN_THROTTLE.get(
      env.CAMPAIGN_THROTTLE.idFromName(`${t.id}:${created.body.id}`),
    );
    expect(await throttle.busiestMinute()).toBe(400);
  });

  it("refuses bad definitions with the field named, and stores nothing", async () => {
    const t = await createTenant();
    const bad = await createCampaign(t, {
      audience: { userIds: ["a"] },
      phases: [
        { name: "a", notificationTemplate: "n", conditions: [{ type: "opened", phase: "b" }] },
        { name: "b", delay: "one day", notificationTemplate: "n" },
      ],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("phases.1.delay");
    const badRef = await createCampaign(t, {
      audience: { userIds: ["a"] },
      phases: [
        { name: "a", notificationTemplate: "n", conditions: [{ type: "opened", phase: "b" }] },
        { name: "b", notificationTemplate: "n" },
      ],
    });
    expect(badRef.status).toBe(400);
    expect(JSON.stringify(badRef.body)).toContain("phases.0.conditions.0.phase");
    const segment = await createCampaign(t, { audience: { segment: "vip" } });
    expect(segment.status).toBe(400);
    expect(JSON.stringify(segment.body)).toContain("audience.segment");
    const list = await call<{ data: unknown[] }>("GET", "/v1/campaigns", { key: t.apiKey });
    expect(list.body.data).toHaveLength(0);
  });

  it("appends audience chunks to a draft only", async () => {
    const t = await createTenant();
    const created = await createCampaign(t, { audience: { userIds: ["a1", "a2"] } });
    const appended = await call<Campaign>("POST", `/v1/campaigns/${created.body.id}/audience`, {
      key: t.apiKey,
      body: { userIds: ids("more", 1_500) },
    });
    expect(appended.body.audience.size).toBe(1_502);
    const progress = await scheduleAndWait(t, created.body.id);
    expect(progress.fanOut).toMatchObject({ chunks: 3, chunksDone: 3, recipientsProcessed: 1_502 });
    const late = await call("POST", `/v1/campaigns/${created.body.id}/audience`, {
      key: t.apiKey,
      body: { userIds: ["late"] },
    });
    expect(late.status).toBe(409);
  });
});
