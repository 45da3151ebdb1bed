import { and, eq, lte, sql } from "drizzle-orm";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { bindParams, rowReader, StatementCache } from "../../src/lib/db/compiled";
import { schedules } from "../../src/lib/db/user-schema";

describe("compiled drizzle statements", () => {
  const qb = new QueryBuilder();

  it("bind named values in place of placeholders and keep constants", () => {
    const cache = new StatementCache();
    const build = () =>
      qb
        .select()
        .from(schedules)
        .where(and(eq(schedules.status, "pending"), lte(schedules.dueAt, sql.placeholder("now"))))
        .limit(sql.placeholder("limit"));
    const statement = cache.get("due", build);
    expect(cache.get("due", () => qb.select().from(schedules))).toBe(statement);
    expect(statement.sql).toMatch(
      /where \("schedules"\."status" = \? and "schedules"\."due_at" <= \?\) limit \?$/,
    );
    expect(bindParams(statement, { now: 42, limit: 7 })).toEqual(["pending", 42, 7]);
    expect(() => bindParams(statement, { now: 1 })).toThrow(/limit/);
  });

  it("read raw column names back as typed properties", () => {
    const read = rowReader(schedules);
    const row = read({ id: "sch_1", notification_id: "n", due_at: 5, status: "pending" });
    expect(row).toMatchObject({ id: "sch_1", notificationId: "n", dueAt: 5, status: "pending" });
  });
});
