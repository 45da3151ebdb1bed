import { describe, expect, it, vi } from "vitest";
import { call, createTenant, type TestTenant, waitForScheduleStatus } from "../support/api";

type Drip = { id: string };
type Enrollment = { dripId: string; userId: string; enrollment: number; scheduleIds: string[] };
type EventAnswer = {
  accepted: true;
  exitedDrips: string[];
  enrolled: { dripId: string; enrollment: number }[];
  scheduled: { conditionalScheduleId: string; scheduleId: string }[];
};
type Schedule = { id: string; status: string; failureReason: string | null; scheduledTime: string };
type Listed = { id: string; status: string; metadata: { dripId?: string; step?: number } };

function createDrip(t: TestTenant, body: Record<string, unknown>) {
  return call<Drip>("POST", "/v1/drips", {
    key: t.apiKey,
    body: {
      name: "onboarding",
      steps: [
        { delay: "PT1S", notificationTemplate: "welcome" },
        { delay: "PT1H", notificationTemplate: { notificationId: "tip", payload: { n: 1 } } },
        { delay: "P1D", notificationTemplate: "offer" },
      ],
      ...body,
    },
  });
}

function enroll(t: TestTenant, dripId: string, userId: string) {
  return call<Enrollment>("POST", `/v1/drips/${dripId}/enrollments`, { key: t.apiKey, body: { userId } });
}

function sendEvent(t: TestTenant, userId: string, name: string, properties?: Record<string, unknown>) {
  return call<EventAnswer>("POST", "/v1/events", { key: t.apiKey, body: { userId, name, properties } });
}

async function statusOf(t: TestTenant, id: string): Promise<Schedule> {
  return (await call<Schedule>("GET", `/v1/schedules/${id}`, { key: t.apiKey })).body;
}

describe("drips and events", () => {
  it("an exit event ends the enrollment: remaining steps are cancelled, sent ones stay", async () => {
    const t = await createTenant();
    const drip = await createDrip(t, { exitOn: ["purchase"] });
    expect(drip.status).toBe(201);
    const enrolled = await enroll(t, drip.body.id, "buyer");
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toMatchObject({ enrollment: 0 });
    const [welcome, tip, offer] = enrolled.body.scheduleIds;
    await waitForScheduleStatus(t.apiKey, welcome!, "completed");
    const purchase = await sendEvent(t, "buyer", "purchase");
    expect(purchase.status).toBe(202);
    expect(purchase.body.exitedDrips).toEqual([drip.body.id]);
    expect((await statusOf(t, tip!)).status).toBe("cancelled");
    expect((await statusOf(t, offer!)).status).toBe("cancelled");
    expect((await statusOf(t, welcome!)).status).toBe("completed");
    // The index agrees within moments.
    await vi.waitFor(
      async () => {
        const list = (await call<{ data: Listed[] }>("GET", "/v1/schedules?userId=buyer", { key: t.apiKey }))
          .body.data;
        expect(list.map((s) => [s.status, s.metadata.step, s.metadata.dripId])).toEqual([
          ["completed", 0, drip.body.id],
          ["cancelled", 1, drip.body.id],
          ["cancelled", 2, drip.body.id],
        ]);
      },
      { timeout: 5_000, interval: 50 },
    );
    // reenroll "never": once is all.
    expect((await enroll(t, drip.body.id, "buyer")).status).toBe(409);
    // A second exit event changes nothing.
    expect((await sendEvent(t, "buyer", "purchase")).body.exitedDrips).toEqual([]);
  });

  it("removing a user cancels the remaining steps; after_completion lets them enroll again", async () => {
    const t = await createTenant();
    const drip = await createDrip(t, { reenroll: "after_completion" });
    const first = await enroll(t, drip.body.id, "leaver");
    expect((await enroll(t, drip.body.id, "leaver")).status).toBe(409);
    const removed = await call("DELETE", `/v1/drips/${drip.body.id}/enrollments/leaver`, { key: t.apiKey });
    expect(removed.status).toBe(204);
    for (const id of first.body.scheduleIds) expect((await statusOf(t, id)).status).toBe("cancelled");
    expect(
      (await call("DELETE", `/v1/drips/${drip.body.id}/enrollments/leaver`, { key: t.apiKey })).status,
    ).toBe(404);
    const second = await enroll(t, drip.body.id, "leaver");
    expect(second.status).toBe(201);
    expect(second.body.enrollment).toBe(1);
    expect(second.body.scheduleIds.some((id) => first.body.scheduleIds.includes(id))).toBe(false);
    expect((await statusOf(t, second.body.scheduleIds[2]!)).status).toBe("pending");
  });

  it("a trigger event enrolls its user once while the enrollment is active", async () => {
    const t = await createTenant();
    const drip = await createDrip(t, { trigger: { event: "signup" } });
    const answer = await sendEvent(t, "newbie", "signup", { plan: "pro" });
    expect(answer.body.enrolled).toEqual([{ dripId: drip.body.id, enrollment: 0 }]);
    const again = await sendEvent(t, "newbie", "signup");
    expect(again.body.enrolled).toEqual([]);
    const list = (await call<{ data: Schedule[] }>("GET", "/v1/users/newbie/schedules", { key: t.apiKey }))
      .body.data;
    expect(list).toHaveLength(3);
  });

  it("a conditional schedule fires after the delay unless the other event happened; `where` filters", async () => {
    const t = await createTenant();
    const rule = await call<{ id: string }>("POST", "/v1/conditional-schedules", {
      key: t.apiKey,
      body: {
        trigger: { event: "cart_abandoned", where: { store: "eu" } },
        delay: "PT2S",
        notificationId: "cart-reminder",
        payload: { items: 2 },
        conditions: [{ type: "event_not_seen", event: "purchase" }],
      },
    });
    expect(rule.status).toBe(201);
    const at = new Date().toISOString();
    const abandon = (userId: string, store: string) =>
      call<EventAnswer>("POST", "/v1/events", {
        key: t.apiKey,
        body: { userId, name: "cart_abandoned", properties: { store }, at },
      });
    const converted = await abandon("converts", "eu");
    const forgot = await abandon("forgets", "eu");
    const elsewhere = await abandon("elsewhere", "us");
    expect(elsewhere.body.scheduled).toEqual([]);
    expect(converted.body.scheduled).toHaveLength(1);
    // The same event again: the same schedule, not a second one.
    expect((await abandon("forgets", "eu")).body.scheduled).toEqual(forgot.body.scheduled);
    expect((await sendEvent(t, "converts", "purchase")).status).toBe(202);
    const skipped = await waitForScheduleStatus(
      t.apiKey,
      converted.body.scheduled[0]!.scheduleId,
      "cancelled",
    );
    expect(skipped.failureReason).toBe('condition not met: event "purchase" was seen');
    const fired = await waitForScheduleStatus(t.apiKey, forgot.body.scheduled[0]!.scheduleId, "completed");
    expect(fired.status).toBe("completed");
  });

  it("refuses bad drips, events and rules with the field named", async () => {
    const t = await createTenant();
    const badStep = await createDrip(t, {
      steps: [{ delay: "PT1S", notificationTemplate: "a", conditions: [{ type: "opened", step: 0 }] }],
    });
    expect(badStep.status).toBe(400);
    expect(JSON.stringify(badStep.body)).toContain("steps.0.conditions.0.step");
    const badDelay = await createDrip(t, { steps: [{ delay: "-P1D", notificationTemplate: "a" }] });
    expect(JSON.stringify(badDelay.body)).toContain("steps.0.delay");
    const future = await call("POST", "/v1/events", {
      key: t.apiKey,
      body: { userId: "u", name: "x", at: "2099-01-01T00:00:00Z" },
    });
    expect(future.status).toBe(400);
    expect(JSON.stringify(future.body)).toContain('"path":"at"');
    const badName = await call("POST", "/v1/events", {
      key: t.apiKey,
      body: { userId: "u", name: "has space" },
    });
    expect(JSON.stringify(badName.body)).toContain('"path":"name"');
    const badRule = await call("POST", "/v1/conditional-schedules", {
      key: t.apiKey,
      body: {
        trigger: { event: "x" },
        delay: "PT1S",
        notificationId: "n",
        conditions: [{ type: "opened", step: 0 }],
      },
    });
    expect(badRule.status).toBe(400);
    expect((await call("GET", "/v1/drips/drp_nope", { key: t.apiKey })).status).toBe(404);
    // Nothing bad was stored; a good one is listed, with its payload opened again.
    expect((await call<{ data: unknown[] }>("GET", "/v1/drips", { key: t.apiKey })).body.data).toHaveLength(
      0,
    );
    await createDrip(t, {});
    const listed = await call<{ data: { steps: { notificationTemplate: { payload: unknown } }[] }[] }>(
      "GET",
      "/v1/drips",
      { key: t.apiKey },
    );
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]!.steps[1]!.notificationTemplate.payload).toEqual({ n: 1 });
  });
});
