/**
 * Service-wide counts for GET /metrics (the operator's view): no tenant ids, only totals by status.
 * Each is one aggregate query over D1; a scrape every 15–60 s is the intended use.
 */
export const metricsStore = {
  async byStatus(
    database: D1Database,
    table: "schedule_index" | "campaigns" | "recurring_patterns" | "endpoint_circuits",
  ) {
    const result = await database
      .prepare(`SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status`)
      .all<{ status: string; n: number }>();
    return result.results;
  },

  async count(database: D1Database, sql: string): Promise<number> {
    return (await database.prepare(sql).first<{ n: number }>())?.n ?? 0;
  },
};
