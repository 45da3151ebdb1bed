// The bare prototype the foundation issue compares against: Worker → Durable Object RPC → SQLite
// insert + alarm. No validation, no auth, no queue. Benchmark baseline only; never deployed.
import { DurableObject } from "cloudflare:workers";

interface Env {
  BARE: DurableObjectNamespace<BareScheduler>;
}

export class BareScheduler extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS s (id TEXT PRIMARY KEY, due INTEGER, body TEXT)");
  }

  async create(id: string, due: number, body: string): Promise<void> {
    this.ctx.storage.sql.exec("INSERT INTO s VALUES (?, ?, ?)", id, due, body);
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || due < alarm) await this.ctx.storage.setAlarm(due);
  }

  override async alarm(): Promise<void> {}
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method === "GET") return new Response("ok");
    const body = (await request.json()) as { userId: string; scheduledTime: string };
    const id = crypto.randomUUID();
    await env.BARE.get(env.BARE.idFromName(body.userId)).create(
      id,
      Date.parse(body.scheduledTime),
      JSON.stringify(body),
    );
    return Response.json({ id }, { status: 201 });
  },
} satisfies ExportedHandler<Env>;
