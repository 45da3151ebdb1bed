import { DurableObject } from "cloudflare:workers";
import { allocateThrottledTimes } from "../lib/journeys/throttle";
import type { Env } from "../workers/env";

const MINUTE = 60_000;

/**
 * One per throttled campaign (`<tenantId>:<campaignId>`): how many sends each minute already holds,
 * so that fan-out chunks running in parallel on many isolates share one budget. An allocation is
 * recorded under its chunk's key, so a chunk the Queue retries gets the same times back.
 */
export class CampaignThrottle extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS minutes (minute INTEGER PRIMARY KEY, n INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS allocations (key TEXT PRIMARY KEY, times TEXT NOT NULL)`);
  }

  async allocate(key: string, times: number[], perMinute: number): Promise<number[]> {
    const sql = this.ctx.storage.sql;
    const done = sql.exec<{ times: string }>("SELECT times FROM allocations WHERE key = ?", key).toArray()[0];
    if (done) return JSON.parse(done.times) as number[];
    if (times.length === 0) return [];
    const first = Math.floor(Math.min(...times) / MINUTE);
    const counts = new Map(
      sql
        .exec<{ minute: number; n: number }>("SELECT minute, n FROM minutes WHERE minute >= ?", first)
        .toArray()
        .map((r) => [r.minute, r.n] as const),
    );
    const before = new Map(counts);
    const allocated = allocateThrottledTimes(counts, times, perMinute);
    this.ctx.storage.transactionSync(() => {
      for (const [minute, n] of counts) {
        if (before.get(minute) === n) continue;
        sql.exec(
          "INSERT INTO minutes (minute, n) VALUES (?, ?) ON CONFLICT (minute) DO UPDATE SET n = excluded.n",
          minute,
          n,
        );
      }
      sql.exec("INSERT INTO allocations (key, times) VALUES (?, ?)", key, JSON.stringify(allocated));
    });
    return allocated;
  }

  /** The busiest minute so far (the tests check the throttle with it). */
  async busiestMinute(): Promise<number> {
    return this.ctx.storage.sql.exec<{ n: number | null }>("SELECT MAX(n) AS n FROM minutes").one().n ?? 0;
  }
}
