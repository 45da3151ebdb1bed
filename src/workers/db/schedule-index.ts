import type { IndexEntry } from "../../lib/schedules/index-entry";

/** D1 binds at most 100 parameters per statement: 11 columns × 9 rows. */
const ROWS_PER_STATEMENT = 9;
/** Statements per D1 batch (one round trip). */
const STATEMENTS_PER_BATCH = 200;

export interface IndexQuery {
  status?: string;
  from?: number;
  to?: number;
  userId?: string;
  campaignId?: string;
  limit: number;
  after?: { scheduledTime: number; id: string };
}

export interface IndexRow {
  id: string;
  user_id: string;
  notification_id: string;
  scheduled_time: number;
  status: string;
  campaign_id: string | null;
  step: number | null;
  origin: string | null;
  recurring_pattern_id: string | null;
  opened_at: number | null;
  updated_at: number;
}

export interface StepCounts {
  step: number | null;
  status: string;
  n: number;
  opened: number;
}

/**
 * The tenant-wide schedule index (GET /v1/schedules, campaign progress). Its only writer is the
 * user's object, flushing its outbox; an entry only replaces one with an older or equal
 * `updated_at`, so a flush repeated after D1 failed to answer never moves a row back. The journey columns (campaign, step, origin) are kept from the first write.
 */
export function scheduleIndex(db: D1Database, tenantId: string) {
  return {
    async upsert(entries: IndexEntry[]): Promise<void> {
      if (entries.length === 0) return;
      const statements: D1PreparedStatement[] = [];
      for (let i = 0; i < entries.length; i += ROWS_PER_STATEMENT) {
        const rows = entries.slice(i, i + ROWS_PER_STATEMENT);
        statements.push(
          db
            .prepare(
              `INSERT INTO schedule_index (tenant_id, id, user_id, notification_id, scheduled_time, status,
                 campaign_id, step, origin, recurring_pattern_id, updated_at)
               VALUES ${rows.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}
               ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status,
                 scheduled_time = excluded.scheduled_time, notification_id = excluded.notification_id,
                 updated_at = excluded.updated_at
               WHERE excluded.updated_at >= schedule_index.updated_at`,
            )
            .bind(
              ...rows.flatMap((e) => [
                tenantId,
                e.id,
                e.userId,
                e.notificationId,
                e.scheduledTime,
                e.status,
                e.campaignId,
                e.step,
                e.origin,
                e.recurringPatternId,
                e.updatedAt,
              ]),
            ),
        );
      }
      for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
        await db.batch(statements.slice(i, i + STATEMENTS_PER_BATCH));
      }
    },

    async markOpened(id: string, at: number): Promise<void> {
      await db
        .prepare(
          "UPDATE schedule_index SET opened_at = ? WHERE tenant_id = ? AND id = ? AND opened_at IS NULL",
        )
        .bind(at, tenantId, id)
        .run();
    },

    async eraseUser(userId: string): Promise<void> {
      await db
        .prepare("DELETE FROM schedule_index WHERE tenant_id = ? AND user_id = ?")
        .bind(tenantId, userId)
        .run();
    },

    /** Ordered by (scheduledTime, id), after the previous page's last position. */
    async list(q: IndexQuery): Promise<IndexRow[]> {
      const where = ["tenant_id = ?"];
      const binds: (string | number)[] = [tenantId];
      const filter = (clause: string, value: string | number | undefined) => {
        if (value === undefined || value === "") return;
        where.push(clause);
        binds.push(value);
      };
      filter("status = ?", q.status);
      filter("user_id = ?", q.userId);
      filter("campaign_id = ?", q.campaignId);
      filter("scheduled_time >= ?", q.from);
      filter("scheduled_time <= ?", q.to);
      if (q.after) {
        where.push("(scheduled_time > ? OR (scheduled_time = ? AND id > ?))");
        binds.push(q.after.scheduledTime, q.after.scheduledTime, q.after.id);
      }
      const result = await db
        .prepare(
          `SELECT id, user_id, notification_id, scheduled_time, status, campaign_id, step, origin,
             recurring_pattern_id, opened_at, updated_at
           FROM schedule_index WHERE ${where.join(" AND ")} ORDER BY scheduled_time, id LIMIT ?`,
        )
        .bind(...binds, q.limit)
        .all<IndexRow>();
      return result.results;
    },

    /** A campaign's schedules counted by phase and status, with opens. */
    async campaignCounts(campaignId: string): Promise<StepCounts[]> {
      const result = await db
        .prepare(
          `SELECT step, status, COUNT(*) AS n, COUNT(opened_at) AS opened FROM schedule_index
           WHERE tenant_id = ? AND campaign_id = ? GROUP BY step, status`,
        )
        .bind(tenantId, campaignId)
        .all<StepCounts>();
      return result.results;
    },
  };
}
