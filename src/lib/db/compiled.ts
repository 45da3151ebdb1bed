import { getTableColumns, is, Param, Placeholder, type Table } from "drizzle-orm";

/** A statement as drizzle writes it: SQL text and its parameters, some of them named placeholders. */
export interface CompiledStatement {
  sql: string;
  params: unknown[];
}

/**
 * Drizzle authors every statement (typed columns, no hand-written SQL), but building a query costs
 * more than SQLite running it. Each statement is therefore built once per isolate with
 * `sql.placeholder(...)` for its values, and only bound per call.
 */
export class StatementCache {
  readonly #statements = new Map<string, CompiledStatement>();

  get(name: string, build: () => { toSQL(): CompiledStatement }): CompiledStatement {
    let statement = this.#statements.get(name);
    if (!statement) {
      statement = build().toSQL();
      this.#statements.set(name, statement);
    }
    return statement;
  }
}

/**
 * The statement's parameters, placeholders replaced by the named values, constants kept. Drizzle
 * wraps column values in a Param (value + column encoder); our columns are plain text and integers,
 * so the encoder is the identity and the wrapped value is used as it is.
 */
export function bindParams(statement: CompiledStatement, values: Record<string, unknown>): unknown[] {
  return statement.params.map((param) => {
    const inner = is(param, Param) ? param.value : param;
    if (!is(inner, Placeholder)) return inner;
    if (!(inner.name in values)) throw new Error(`no value for placeholder ${inner.name}`);
    return values[inner.name];
  });
}

/** Maps raw SQLite rows (column names) to the table's typed rows (property names). */
export function rowReader<T extends Table>(table: T): (raw: Record<string, unknown>) => T["$inferSelect"] {
  const pairs = Object.entries(getTableColumns(table)).map(([key, column]) => [column.name, key] as const);
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (const [column, key] of pairs) row[key] = raw[column];
    return row as T["$inferSelect"];
  };
}
