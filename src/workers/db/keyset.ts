import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/**
 * Newest-first keyset paging: the rows after `before` in (at, id) descending order, or no
 * condition on the first page. Every "newest first" list orders by the same two columns.
 */
export function olderThan(
  at: SQLiteColumn,
  id: SQLiteColumn,
  before?: { at: number; id: string },
): SQL | undefined {
  return before ? or(lt(at, before.at), and(eq(at, before.at), lt(id, before.id))) : undefined;
}
