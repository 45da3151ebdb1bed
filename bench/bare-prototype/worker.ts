// The bare prototype the benchmarks compare against: Worker → Durable Object RPC → SQLite insert +
// alarm, and an alarm that signs (HMAC-SHA256, Standard Webhooks) and POSTs each due notification
// itself, six at a time. No validation, auth, retries, leases, history or index. Benchmark baseline
// only; never deployed.
import { DurableObject } from "cloudflare:workers";

interface Env {
  BARE: DurableObjectNamespace<BareScheduler>;
}

interface Row {
  id: string;
  due: number;
  body: string;
  url: string;
}

const SECRET = new TextEncoder().encode("bare-prototype-secret-32-bytes!!");
let signingKey: Promise<CryptoKey> | null = null;

async function sign(id: string, body: string): Promise<Record<string, string>> {
  signingKey ??= crypto.subtle.importKey("raw", SECRET, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const timestamp = Math.floor(Date.now() / 1000);
  const mac = await crypto.subtle.sign(
    "HMAC",
    await signingKey,
    new TextEncoder().encode(`${id}.${timestamp}.${body}`),
  );
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`,
  };
}

export class BareScheduler extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS s (id TEXT PRIMARY KEY, due INTEGER, body TEXT, url TEXT)",
    );
  }

  async create(rows: Row[]): Promise<void> {
    for (const r of rows)
      this.ctx.storage.sql.exec("INSERT INTO s VALUES (?, ?, ?, ?)", r.id, r.due, r.body, r.url);
    const earliest = Math.min(...rows.map((r) => r.due));
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || earliest < alarm) await this.ctx.storage.setAlarm(earliest);
  }

  override async alarm(): Promise<void> {
    const due = this.ctx.storage.sql
      .exec<Row>("SELECT * FROM s WHERE due <= ? ORDER BY due", Date.now())
      .toArray();
    let next = 0;
    const lane = async () => {
      while (next < due.length) {
        const row = due[next++]!;
        const body = JSON.stringify({
          ...JSON.parse(row.body),
          executionId: row.id,
          firedAt: new Date().toISOString(),
        });
        const response = await fetch(row.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(await sign(row.id, body)) },
          body,
        });
        await response.arrayBuffer();
        this.ctx.storage.sql.exec("DELETE FROM s WHERE id = ?", row.id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(6, due.length) }, lane));
    const rest = this.ctx.storage.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM s").one().due;
    if (rest !== null) await this.ctx.storage.setAlarm(rest);
  }
}

type Item = { userId: string; scheduledTime: string; webhookUrl?: string };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method === "GET") return new Response("ok");
    const url = new URL(request.url);
    const stub = (userId: string) => env.BARE.get(env.BARE.idFromName(userId));
    const row = (item: Item): Row => ({
      id: crypto.randomUUID(),
      due: Date.parse(item.scheduledTime),
      body: JSON.stringify(item),
      url: item.webhookUrl ?? "http://127.0.0.1:9/none",
    });
    if (url.pathname === "/bulk") {
      // One RPC per user, as our bulk endpoint makes.
      const { schedules } = (await request.json()) as { schedules: Item[] };
      const byUser = new Map<string, Row[]>();
      for (const item of schedules) byUser.set(item.userId, [...(byUser.get(item.userId) ?? []), row(item)]);
      await Promise.all([...byUser].map(([userId, rows]) => stub(userId).create(rows)));
      return Response.json({ created: schedules.length }, { status: 200 });
    }
    const item = (await request.json()) as Item;
    const created = row(item);
    await stub(item.userId).create([created]);
    return Response.json({ id: created.id }, { status: 201 });
  },
} satisfies ExportedHandler<Env>;
