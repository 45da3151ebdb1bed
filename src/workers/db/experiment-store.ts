import { and, eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { experimentSends, experiments } from "../../lib/db/d1-schema";

export type ExperimentRow = typeof experiments.$inferSelect;

export interface Variant {
  name: string;
  strategy: "optimized" | "fixed";
  /** For fixed: the local wall-clock time (HH:MM) in the user's timezone. */
  localTime?: string;
}

/** Experiments of one tenant; every query binds the tenant id. */
export function experimentStore(database: D1Database, tenantId: string) {
  const db = drizzle(database);
  return {
    async create(row: Omit<ExperimentRow, "tenantId">) {
      await db
        .insert(experiments)
        .values({ ...row, tenantId })
        .run();
    },

    async get(id: string): Promise<ExperimentRow | undefined> {
      return db
        .select()
        .from(experiments)
        .where(and(eq(experiments.tenantId, tenantId), eq(experiments.id, id)))
        .get();
    },

    /** The running experiment on a notification type, if any (the newest). */
    async runningFor(notificationType: string): Promise<ExperimentRow | undefined> {
      return db
        .select()
        .from(experiments)
        .where(
          and(
            eq(experiments.tenantId, tenantId),
            eq(experiments.notificationType, notificationType),
            eq(experiments.status, "running"),
          ),
        )
        .orderBy(sql`${experiments.createdAt} DESC`)
        .get();
    },

    async recordSend(row: {
      experimentId: string;
      variant: number;
      scheduleId: string;
      userId: string;
      at: number;
    }) {
      await db
        .insert(experimentSends)
        .values({ ...row, tenantId, opened: 0 })
        .onConflictDoNothing()
        .run();
    },

    /** An open reported for a schedule: counts for its experiment, if it is in one. */
    async markOpened(scheduleIds: string[]) {
      // At most 100 bound values per statement: chunks of 90 ids, sent as one batch.
      const statements = [];
      for (let i = 0; i < scheduleIds.length; i += 90) {
        statements.push(
          db
            .update(experimentSends)
            .set({ opened: 1 })
            .where(
              and(
                eq(experimentSends.tenantId, tenantId),
                inArray(experimentSends.scheduleId, scheduleIds.slice(i, i + 90)),
              ),
            ),
        );
      }
      if (statements.length > 0) await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
    },

    async counts(experimentId: string) {
      return db
        .select({
          variant: experimentSends.variant,
          sends: sql<number>`COUNT(*)`,
          opens: sql<number>`SUM(${experimentSends.opened})`,
        })
        .from(experimentSends)
        .where(and(eq(experimentSends.tenantId, tenantId), eq(experimentSends.experimentId, experimentId)))
        .groupBy(experimentSends.variant)
        .all();
    },
  };
}
