import { and, between, desc, eq, gt, inArray, isNotNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { engagementProfiles, optimizedSends, optimizerModels } from "../../lib/db/d1-schema";
import type { SendOutcomes } from "../../lib/optimizer/train";

export type ModelRow = typeof optimizerModels.$inferSelect;

/** Send-time optimization data of one tenant in D1: profile copies for training, trained models. */
export function optimizerStore(database: D1Database, tenantId: string) {
  const db = drizzle(database);
  return {
    /** Upsert profile copies (D1 allows 100 bound values per statement: 20 rows of 5). */
    async saveProfiles(rows: { userId: string; type: string; profile: string }[], at: number) {
      const statements = [];
      for (let i = 0; i < rows.length; i += 20) {
        statements.push(
          db
            .insert(engagementProfiles)
            .values(rows.slice(i, i + 20).map((r) => ({ tenantId, ...r, updatedAt: at })))
            .onConflictDoUpdate({
              target: [engagementProfiles.tenantId, engagementProfiles.userId, engagementProfiles.type],
              set: { profile: sql`excluded.profile`, updatedAt: sql`excluded.updated_at` },
            }),
        );
      }
      for (let i = 0; i < statements.length; i += 50) {
        const chunk = statements.slice(i, i + 50);
        await db.batch(chunk as [(typeof chunk)[0], ...typeof chunk]);
      }
    },

    /** The most recently updated profiles (of one type, or of all types), for training. */
    async recentProfiles(type: string | null, limit: number) {
      return db
        .select({
          userId: engagementProfiles.userId,
          type: engagementProfiles.type,
          profile: engagementProfiles.profile,
        })
        .from(engagementProfiles)
        .where(
          and(
            eq(engagementProfiles.tenantId, tenantId),
            type ? eq(engagementProfiles.type, type) : undefined,
          ),
        )
        .orderBy(desc(engagementProfiles.updatedAt))
        .limit(limit)
        .all();
    },

    async types(): Promise<string[]> {
      const rows = await db
        .selectDistinct({ type: engagementProfiles.type })
        .from(engagementProfiles)
        .where(eq(engagementProfiles.tenantId, tenantId))
        .all();
      return rows.map((r) => r.type);
    },

    async model(type: string): Promise<ModelRow | undefined> {
      return db
        .select()
        .from(optimizerModels)
        .where(and(eq(optimizerModels.tenantId, tenantId), eq(optimizerModels.type, type)))
        .get();
    },

    async models(): Promise<ModelRow[]> {
      return db.select().from(optimizerModels).where(eq(optimizerModels.tenantId, tenantId)).all();
    },

    /**
     * Schedules whose time the optimizer chose (live performance by source, recalibration), 11
     * rows of 9 values per statement, one batch; a schedule already recorded keeps its row.
     */
    async recordOptimizedSends(
      rows: {
        scheduleId: string;
        source: string;
        predicted: number;
        at: number;
        notificationType: string;
        sendAt: number;
        modelPredicted: number;
      }[],
    ) {
      const statements = [];
      for (let i = 0; i < rows.length; i += 11) {
        statements.push(
          db
            .insert(optimizedSends)
            .values(rows.slice(i, i + 11).map((r) => ({ ...r, tenantId, opened: 0 })))
            .onConflictDoNothing(),
        );
      }
      if (statements.length > 0) await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
    },

    async markOptimizedOpened(scheduleIds: string[]) {
      // At most 100 bound values per statement: chunks of 90 ids, sent as one batch.
      const statements = [];
      for (let i = 0; i < scheduleIds.length; i += 90) {
        statements.push(
          db
            .update(optimizedSends)
            .set({ opened: 1 })
            .where(
              and(
                eq(optimizedSends.tenantId, tenantId),
                inArray(optimizedSends.scheduleId, scheduleIds.slice(i, i + 90)),
              ),
            ),
        );
      }
      if (statements.length > 0) await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
    },

    /** Sends, opens and mean predicted probability per source since `since`. */
    async liveBySource(since: number) {
      return db
        .select({
          source: optimizedSends.source,
          sends: sql<number>`COUNT(*)`,
          opens: sql<number>`SUM(${optimizedSends.opened})`,
          predicted: sql<number>`SUM(${optimizedSends.predicted})`,
        })
        .from(optimizedSends)
        .where(and(eq(optimizedSends.tenantId, tenantId), gt(optimizedSends.at, since)))
        .groupBy(optimizedSends.source)
        .all();
    },

    /**
     * Optimized sends of a type (all types: null) sent in [from, to], with the model's own
     * predictions: what training's recalibration compares opens against.
     */
    async sendOutcomes(type: string | null, from: number, to: number): Promise<SendOutcomes> {
      const row = await db
        .select({
          sends: sql<number>`COUNT(*)`,
          predicted: sql<number>`SUM(${optimizedSends.modelPredicted})`,
          opened: sql<number>`SUM(${optimizedSends.opened})`,
        })
        .from(optimizedSends)
        .where(
          and(
            eq(optimizedSends.tenantId, tenantId),
            type ? eq(optimizedSends.notificationType, type) : isNotNull(optimizedSends.notificationType),
            between(optimizedSends.sendAt, from, to),
            isNotNull(optimizedSends.modelPredicted),
          ),
        )
        .get();
      return {
        sends: Number(row?.sends ?? 0),
        predicted: Number(row?.predicted ?? 0),
        opened: Number(row?.opened ?? 0),
      };
    },

    async saveModel(row: Omit<ModelRow, "tenantId">) {
      const values = { tenantId, ...row };
      await db
        .insert(optimizerModels)
        .values(values)
        .onConflictDoUpdate({ target: [optimizerModels.tenantId, optimizerModels.type], set: values })
        .run();
    },
  };
}

/** The one query across tenants: the hourly retraining looks for tenants with fresh profiles. */
export const optimizerSweep = {
  async tenantsWithNewProfiles(database: D1Database, since: number, limit = 50): Promise<string[]> {
    const db = drizzle(database);
    const rows = await db
      .selectDistinct({ tenantId: engagementProfiles.tenantId })
      .from(engagementProfiles)
      .where(gt(engagementProfiles.updatedAt, since))
      .limit(limit)
      .all();
    return rows.map((r) => r.tenantId);
  },
};
