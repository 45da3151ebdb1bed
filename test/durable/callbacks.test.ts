import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { USER_SCHEMA_DDL } from "../../src/lib/db/user-schema";
import { call, createTenant, inSeconds, runUserAlarm, userStub, waitForDeliveries } from "../support/api";

type Schedule = { id: string; status: string };

describe("delivery callbacks", () => {
  it("record delivery and engagement against the execution, once per event", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "reader", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    // A schedule that has not fired yet cannot have been opened (one due later, so no alarm races it).
    const later = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "reader", notificationId: "n", scheduledTime: inSeconds(3600) },
    });
    const early = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: later.body.id, event: "opened" },
    });
    expect(early.status).toBe(409);
    await runUserAlarm(t.id, "reader");
    const [delivery] = await waitForDeliveries(t.sink, 1);
    const executionId = delivery!.headers["webhook-id"];
    const opened = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: created.body.id, executionId, event: "opened", at: "2026-11-29T10:00:00+01:00" },
    });
    expect(opened).toMatchObject({ status: 202, body: { accepted: true, recorded: true } });
    const again = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: created.body.id, event: "opened" },
    });
    expect(again.body).toMatchObject({ recorded: false });
    const clicked = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: created.body.id, event: "clicked" },
    });
    expect(clicked.body).toMatchObject({ recorded: true });
    const events = await runInDurableObject(userStub(t.id, "reader"), (_instance, state) =>
      state.storage.sql
        .exec<{ event: string; execution_id: string; at: number }>(
          "SELECT event, execution_id, at FROM delivery_events ORDER BY event",
        )
        .toArray(),
    );
    expect(events.map((e) => [e.event, e.execution_id])).toEqual([
      ["clicked", executionId],
      ["opened", executionId],
    ]);
    expect(events[1]!.at).toBe(Date.parse("2026-11-29T09:00:00Z"));
  });

  it("refuse unknown events, foreign executions and other tenants' schedules", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "u", notificationId: "n", scheduledTime: inSeconds(0) },
    });
    await runUserAlarm(t.id, "u");
    await waitForDeliveries(t.sink, 1);
    const bad = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: created.body.id, event: "liked" },
    });
    expect(bad).toMatchObject({ status: 400, body: { errors: [{ path: "event" }] } });
    const foreign = await call("POST", "/v1/deliveries/callback", {
      key: t.apiKey,
      body: { scheduleId: created.body.id, executionId: "exe_notmine", event: "opened" },
    });
    expect(foreign).toMatchObject({ status: 400, body: { errors: [{ path: "executionId" }] } });
    const cross = await call("POST", "/v1/deliveries/callback", {
      key: other.apiKey,
      body: { scheduleId: created.body.id, event: "opened" },
    });
    expect(cross.status).toBe(404);
  });
});

describe("the object's schema is versioned", () => {
  it("an object stored at version 1 gains the later tables and indexes when it starts again", async () => {
    const t = await createTenant();
    const created = await call<Schedule>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "old-object", notificationId: "n", scheduledTime: inSeconds(600) },
    });
    const stub = userStub(t.id, "old-object");
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("DROP TABLE delivery_events");
      state.storage.sql.exec("DROP INDEX schedules_pattern");
      // v4: the journey columns.
      for (const column of ["origin", "step", "conditions"]) {
        state.storage.sql.exec(`ALTER TABLE schedules DROP COLUMN ${column}`);
      }
      state.storage.sql.exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    });
    await evictDurableObject(stub);
    const read = await call<Schedule>("GET", `/v1/schedules/${created.body.id}`, { key: t.apiKey });
    expect(read.body.status).toBe("pending");
    const state = await runInDurableObject(stub, (_instance, s) => ({
      version: s.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'")
        .one().value,
      objects: s.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE name IN ('delivery_events', 'schedules_pattern') ORDER BY name",
        )
        .toArray()
        .map((r) => r.name),
      columns: s.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM pragma_table_info('schedules') WHERE name IN ('origin', 'step', 'conditions') ORDER BY name",
        )
        .toArray()
        .map((r) => r.name),
    }));
    expect(state).toEqual({
      version: String(USER_SCHEMA_DDL.length),
      objects: ["delivery_events", "schedules_pattern"],
      columns: ["conditions", "origin", "step"],
    });
  });
});
