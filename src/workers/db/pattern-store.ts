import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { recurringPatterns } from "../../lib/db/d1-schema";
import { olderThan } from "./keyset";

export type PatternRow = typeof recurringPatterns.$inferSelect;

export interface GenerationRecord {
  id: string;
  seen: { generatedUntil: number; version: number };
  next: { generatedUntil: number; added: number; at: number; completed: boolean };
}

/** Recurring patterns of one tenant: every query binds the tenant id (invariant 4). */
export function patternStore(database: D1Database, tenantId: string) {
  const db = drizzle(database);
  return {
    async insertPattern(row: Omit<PatternRow, "tenantId">) {
      await db
        .insert(recurringPatterns)
        .values({ ...row, tenantId })
        .run();
    },

    async getPattern(id: string): Promise<PatternRow | undefined> {
      return db
        .select()
        .from(recurringPatterns)
        .where(and(eq(recurringPatterns.tenantId, tenantId), eq(recurringPatterns.id, id)))
        .get();
    },

    async getPatterns(ids: string[]): Promise<PatternRow[]> {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(recurringPatterns)
        .where(and(eq(recurringPatterns.tenantId, tenantId), inArray(recurringPatterns.id, ids)))
        .all();
    },

    /** Newest first; `before` is the (createdAt, id) of the last pattern already seen. */
    async listPatterns(limit: number, before?: { at: number; id: string }) {
      return db
        .select()
        .from(recurringPatterns)
        .where(
          and(
            eq(recurringPatterns.tenantId, tenantId),
            olderThan(recurringPatterns.createdAt, recurringPatterns.id, before),
          ),
        )
        .orderBy(desc(recurringPatterns.createdAt), desc(recurringPatterns.id))
        .limit(limit)
        .all();
    },

    async updatePattern(id: string, changes: Partial<Omit<PatternRow, "id" | "tenantId">>) {
      await db
        .update(recurringPatterns)
        .set(changes)
        .where(and(eq(recurringPatterns.tenantId, tenantId), eq(recurringPatterns.id, id)))
        .run();
    },

    async deletePattern(id: string) {
      await db
        .delete(recurringPatterns)
        .where(and(eq(recurringPatterns.tenantId, tenantId), eq(recurringPatterns.id, id)))
        .run();
    },

    /**
     * Record generation runs, one batch: each only if nobody moved `generatedUntil` (or the version)
     * since the run read it, so concurrent runs count each occurrence once. Returns which applied.
     */
    async recordGenerations(runs: GenerationRecord[]): Promise<boolean[]> {
      if (runs.length === 0) return [];
      const statements = runs.map(({ id, seen, next }) =>
        db
          .update(recurringPatterns)
          .set({
            generatedUntil: next.generatedUntil,
            occurrencesGenerated: sql`${recurringPatterns.occurrencesGenerated} + ${next.added}`,
            lastGeneratedAt: next.at,
            claimedAt: null,
            ...(next.completed ? { status: "completed" as const } : {}),
          })
          .where(
            and(
              eq(recurringPatterns.tenantId, tenantId),
              eq(recurringPatterns.id, id),
              eq(recurringPatterns.generatedUntil, seen.generatedUntil),
              eq(recurringPatterns.version, seen.version),
              eq(recurringPatterns.status, "active"),
            ),
          ),
      );
      const results = await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
      return results.map((r) => r.meta.changes > 0);
    },
  };
}

/** A sweep's claim on a pattern lapses after this, so a lost generation message is swept again. */
export const CLAIM_MS = 5 * 60_000;

/** The one query across tenants: the Cron Trigger's sweep for patterns to extend. */
export const patternSweep = {
  /**
   * Claim up to `limit` active patterns whose generated occurrences end before `threshold` and
   * that no recent sweep claimed, grouped by tenant and target so that one message serves few users.
   */
  async claimDue(database: D1Database, now: number, threshold: number, limit: number) {
    const { results } = await database
      .prepare(
        `UPDATE recurring_patterns SET claimed_at = ?1
         WHERE id IN (
           SELECT id FROM recurring_patterns
           WHERE status = 'active' AND generated_until < ?2 AND (claimed_at IS NULL OR claimed_at < ?3)
           ORDER BY tenant_id, target LIMIT ?4)
         RETURNING id, tenant_id AS tenantId, target`,
      )
      .bind(now, threshold, now - CLAIM_MS, limit)
      .all<{ id: string; tenantId: string; target: string }>();
    return results;
  },
};
