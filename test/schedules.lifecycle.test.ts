import { describe, expect, it, vi } from "vitest";
import {
  call,
  createTenant,
  deliveries,
  inSeconds,
  runUserAlarm,
  verifySignature,
  waitForDeliveries,
} from "./support/api";

type Schedule = {
  id: string;
  status: string;
  attempts: number;
  scheduledTime: string;
  executedAt: string | null;
};

describe("a one-off schedule end to end", () => {
  it("fires from the user's alarm, through the real Queue, to a signed webhook, and completes", async () => {
    const tenant = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: tenant.apiKey,
      body: {
        userId: "alice",
        notificationId: "welcome",
        scheduledTime: inSeconds(0),
        payload: { title: "Hi" },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("pending");

    // Due now: the test runs the alarm, unless the runtime's own alarm got there first (either is right).
    await runUserAlarm(tenant.id, "alice");
    const [delivery] = await waitForDeliveries(tenant.sink, 1);
    const body = verifySignature(tenant.webhookSecret, delivery!);
    expect(body).toMatchObject({
      type: "notification.due",
      scheduleId: created.body.id,
      userId: "alice",
      notificationId: "welcome",
      attempt: 1,
      priority: 2,
      payload: { title: "Hi" },
      scheduledTime: created.body.scheduledTime,
    });
    expect(delivery!.headers["webhook-id"]).toBe(body.executionId);

    const done = await vi.waitFor(
      async () => {
        const got = await call<Schedule>("GET", `/v1/schedules/${created.body.id}`, { key: tenant.apiKey });
        if (got.body.status !== "completed") throw new Error(got.body.status);
        return got.body;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(done.attempts).toBe(1);
    expect(done.executedAt).not.toBeNull();

    const history = await call<{ data: { attempt: number; status: string; httpStatus: number }[] }>(
      "GET",
      `/v1/schedules/${created.body.id}/executions`,
      { key: tenant.apiKey },
    );
    expect(history.body.data).toMatchObject([{ attempt: 1, status: "completed", httpStatus: 200 }]);
    expect(await deliveries(tenant.sink)).toHaveLength(1);
  });
});
