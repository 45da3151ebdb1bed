import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encryptValue, parseKeyring } from "../../src/lib/crypto/encryption";
import {
  call,
  createTenant,
  inSeconds,
  runUserAlarm,
  userStub,
  verifySignature,
  waitForDeliveries,
} from "../support/api";

const MARKER = "do-not-store-me-in-plaintext";

describe("encryption at rest", () => {
  it("stores payload and metadata sealed in the user's object, and answers them in clear", async () => {
    const t = await createTenant();
    const created = await call<{ id: string; payload: unknown }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: {
        userId: "private",
        notificationId: "n",
        scheduledTime: inSeconds(600),
        payload: { m: MARKER },
        metadata: { m: MARKER },
      },
    });
    expect(created.body.payload).toEqual({ m: MARKER });
    await call("PATCH", `/v1/schedules/${created.body.id}`, {
      key: t.apiKey,
      body: { payload: { m: `${MARKER}-2` } },
    });
    const raw = await runInDurableObject(userStub(t.id, "private"), (_instance, state) =>
      state.storage.sql
        .exec<{ payload: string; metadata: string }>("SELECT payload, metadata FROM schedules")
        .toArray(),
    );
    expect(raw).toHaveLength(1);
    for (const value of [raw[0]!.payload, raw[0]!.metadata]) {
      expect(value.startsWith("enc:v1:k2:")).toBe(true);
      expect(value).not.toContain(MARKER);
    }
    const read = await call<{ payload: unknown; metadata: unknown }>(
      "GET",
      `/v1/schedules/${created.body.id}`,
      { key: t.apiKey },
    );
    expect(read.body).toMatchObject({ payload: { m: `${MARKER}-2` }, metadata: { m: MARKER } });
  });

  it("reads a value sealed with an older key after a new key was put first (rotation), and delivers it", async () => {
    const t = await createTenant();
    const created = await call<{ id: string }>("POST", "/v1/schedules", {
      key: t.apiKey,
      body: { userId: "rotated", notificationId: "n", scheduledTime: inSeconds(0), payload: { v: "new" } },
    });
    // As if written before k2 existed: the same test key k1, alone in its keyring.
    const oldKeyring = parseKeyring(`k1:${btoa("k1-test-key-k1-test-key-k1-test!")}`);
    const sealedWithK1 = await encryptValue(
      oldKeyring,
      JSON.stringify({ v: "written under k1" }),
      `${created.body.id}:payload`,
    );
    await runInDurableObject(userStub(t.id, "rotated"), (_instance, state) => {
      state.storage.sql.exec("UPDATE schedules SET payload = ?", sealedWithK1);
    });
    const read = await call<{ payload: unknown }>("GET", `/v1/schedules/${created.body.id}`, {
      key: t.apiKey,
    });
    expect(read.body.payload).toEqual({ v: "written under k1" });
    await runUserAlarm(t.id, "rotated");
    const [delivery] = await waitForDeliveries(t.sink, 1);
    expect(verifySignature(t.webhookSecret, delivery!).payload).toEqual({ v: "written under k1" });
  });

  it("keeps the tenant's webhook signing secret sealed in D1", async () => {
    const t = await createTenant();
    const row = await env.DB.prepare("SELECT webhook_secret FROM tenants WHERE id = ?")
      .bind(t.id)
      .first<{ webhook_secret: string }>();
    expect(row!.webhook_secret.startsWith("enc:v1:")).toBe(true);
    expect(row!.webhook_secret).not.toContain(t.webhookSecret.slice(6));
  });
});
