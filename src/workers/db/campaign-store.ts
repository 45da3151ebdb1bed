import { and, desc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { campaignAudience, campaignChunks, campaigns } from "../../lib/db/d1-schema";
import type { CampaignStatus } from "../../lib/journeys/campaign-status";
import { olderThan } from "./keyset";

export type CampaignRow = typeof campaigns.$inferSelect;

/** User ids per audience row: one fan-out message each. */
export const AUDIENCE_CHUNK = 1_000;
/** D1 binds at most 100 parameters per statement. */
const AUDIENCE_ROWS_PER_STATEMENT = 20;

/** Campaigns of one tenant: every query binds the tenant id (invariant 4). */
export function campaignStore(database: D1Database, tenantId: string) {
  const db = drizzle(database);
  const byId = (id: string) => and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, id));
  return {
    /** The campaign and its first audience rows in one batch: a campaign never exists half-written. */
    async insertCampaign(row: Omit<CampaignRow, "tenantId">, userIds: string[]): Promise<void> {
      const chunks = chunkIds(userIds, 0);
      const inserts = [];
      for (let i = 0; i < chunks.length; i += AUDIENCE_ROWS_PER_STATEMENT) {
        inserts.push(
          db
            .insert(campaignAudience)
            .values(
              chunks
                .slice(i, i + AUDIENCE_ROWS_PER_STATEMENT)
                .map((c) => ({ ...c, tenantId, campaignId: row.id })),
            ),
        );
      }
      await db.batch([db.insert(campaigns).values({ ...row, tenantId }), ...inserts]);
    },

    /**
     * Append a chunk of ids to a draft's audience, atomically with the campaign's counters; the
     * update is conditional on the campaign still being a draft with the counts read.
     */
    async appendAudience(campaign: CampaignRow, userIds: string[]): Promise<boolean> {
      const chunks = chunkIds(userIds, campaign.audienceChunks);
      const statements = [
        db
          .update(campaigns)
          .set({
            audienceSize: campaign.audienceSize + userIds.length,
            audienceChunks: campaign.audienceChunks + chunks.length,
            updatedAt: Date.now(),
          })
          .where(
            and(
              byId(campaign.id),
              eq(campaigns.status, "draft"),
              eq(campaigns.audienceChunks, campaign.audienceChunks),
            ),
          )
          .returning({ id: campaigns.id }),
        ...chunks.map((c) => db.insert(campaignAudience).values({ ...c, tenantId, campaignId: campaign.id })),
      ];
      // The inserts' primary keys collide with a concurrent append's, so only one append wins.
      try {
        const [updated] = await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
        return (updated as { id: string }[]).length === 1;
      } catch (error) {
        if (String(error).includes("UNIQUE")) return false;
        throw error;
      }
    },

    async getCampaign(id: string): Promise<CampaignRow | undefined> {
      return db.select().from(campaigns).where(byId(id)).get();
    },

    async listCampaigns(limit: number, before?: { at: number; id: string }) {
      return db
        .select()
        .from(campaigns)
        .where(and(eq(campaigns.tenantId, tenantId), olderThan(campaigns.createdAt, campaigns.id, before)))
        .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
        .limit(limit)
        .all();
    },

    /** Compare-and-set on status: false when another request changed it first. */
    async setStatus(
      id: string,
      from: CampaignStatus,
      to: CampaignStatus,
      extra: Partial<CampaignRow> = {},
    ): Promise<boolean> {
      const result = await db
        .update(campaigns)
        .set({ ...extra, status: to, updatedAt: Date.now() })
        .where(and(byId(id), eq(campaigns.status, from)))
        .returning({ id: campaigns.id });
      return result.length === 1;
    },

    async audienceChunk(id: string, seq: number): Promise<string[]> {
      const row = await db
        .select({ userIds: campaignAudience.userIds })
        .from(campaignAudience)
        .where(
          and(
            eq(campaignAudience.tenantId, tenantId),
            eq(campaignAudience.campaignId, id),
            eq(campaignAudience.seq, seq),
          ),
        )
        .get();
      return row ? (JSON.parse(row.userIds) as string[]) : [];
    },

    /** A fan-out chunk finished: recorded once (a retried chunk finds its row and adds nothing). */
    async recordChunk(
      id: string,
      seq: number,
      counts: { recipients: number; schedules: number; failed: number },
    ) {
      await db
        .insert(campaignChunks)
        .values({ tenantId, campaignId: id, seq, ...counts, doneAt: Date.now() })
        .onConflictDoNothing()
        .run();
    },

    async fanOutProgress(id: string) {
      const row = await db
        .select({
          chunks: sql<number>`COUNT(*)`,
          recipients: sql<number>`COALESCE(SUM(${campaignChunks.recipients}), 0)`,
          schedules: sql<number>`COALESCE(SUM(${campaignChunks.schedules}), 0)`,
          failed: sql<number>`COALESCE(SUM(${campaignChunks.failed}), 0)`,
        })
        .from(campaignChunks)
        .where(and(eq(campaignChunks.tenantId, tenantId), eq(campaignChunks.campaignId, id)))
        .get();
      return row ?? { chunks: 0, recipients: 0, schedules: 0, failed: 0 };
    },

    /** The audience chunks whose fan-out is recorded. */
    async doneChunks(id: string): Promise<Set<number>> {
      const rows = await db
        .select({ seq: campaignChunks.seq })
        .from(campaignChunks)
        .where(and(eq(campaignChunks.tenantId, tenantId), eq(campaignChunks.campaignId, id)))
        .all();
      return new Set(rows.map((r) => r.seq));
    },

    async touch(id: string, at: number): Promise<void> {
      await db.update(campaigns).set({ updatedAt: at }).where(byId(id)).run();
    },
  };
}

function chunkIds(userIds: string[], firstSeq: number) {
  const chunks: { seq: number; userIds: string; size: number }[] = [];
  for (let i = 0; i < userIds.length; i += AUDIENCE_CHUNK) {
    const part = userIds.slice(i, i + AUDIENCE_CHUNK);
    chunks.push({ seq: firstSeq + chunks.length, userIds: JSON.stringify(part), size: part.length });
  }
  return chunks;
}
