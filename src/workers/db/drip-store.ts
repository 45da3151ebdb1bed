import { and, desc, eq, isNull, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { conditionalSchedules, drips } from "../../lib/db/d1-schema";
import { olderThan } from "./keyset";

export type DripRow = typeof drips.$inferSelect;
export type ConditionalRow = typeof conditionalSchedules.$inferSelect;

/** Drips and conditional schedules of one tenant (invariant 4: every query binds the tenant). */
export function dripStore(database: D1Database, tenantId: string) {
  const db = drizzle(database);
  return {
    async insertDrip(row: Omit<DripRow, "tenantId">): Promise<void> {
      await db
        .insert(drips)
        .values({ ...row, tenantId })
        .run();
    },

    async getDrip(id: string): Promise<DripRow | undefined> {
      return db
        .select()
        .from(drips)
        .where(and(eq(drips.tenantId, tenantId), eq(drips.id, id)))
        .get();
    },

    /** Newest first; `before` is the (createdAt, id) of the last drip already seen. */
    async listDrips(limit: number, before?: { at: number; id: string }): Promise<DripRow[]> {
      return db
        .select()
        .from(drips)
        .where(and(eq(drips.tenantId, tenantId), olderThan(drips.createdAt, drips.id, before)))
        .orderBy(desc(drips.createdAt), desc(drips.id))
        .limit(limit)
        .all();
    },

    /** Drips an event starts. */
    async dripsTriggeredBy(event: string): Promise<DripRow[]> {
      return db
        .select()
        .from(drips)
        .where(and(eq(drips.tenantId, tenantId), eq(drips.triggerEvent, event)))
        .all();
    },

    async insertConditional(row: Omit<ConditionalRow, "tenantId">): Promise<void> {
      await db
        .insert(conditionalSchedules)
        .values({ ...row, tenantId })
        .run();
    },

    async getConditional(id: string): Promise<ConditionalRow | undefined> {
      return db
        .select()
        .from(conditionalSchedules)
        .where(and(eq(conditionalSchedules.tenantId, tenantId), eq(conditionalSchedules.id, id)))
        .get();
    },

    async deleteConditional(id: string): Promise<boolean> {
      const deleted = await db
        .delete(conditionalSchedules)
        .where(and(eq(conditionalSchedules.tenantId, tenantId), eq(conditionalSchedules.id, id)))
        .returning({ id: conditionalSchedules.id });
      return deleted.length === 1;
    },

    /** Conditional schedules an event of this user starts (those for any user, or for this one). */
    async conditionalsTriggeredBy(event: string, userId: string): Promise<ConditionalRow[]> {
      return db
        .select()
        .from(conditionalSchedules)
        .where(
          and(
            eq(conditionalSchedules.tenantId, tenantId),
            eq(conditionalSchedules.triggerEvent, event),
            or(isNull(conditionalSchedules.userId), eq(conditionalSchedules.userId, userId)),
          ),
        )
        .all();
    },
  };
}
