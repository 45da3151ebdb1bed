import { USER_SCHEMA_DDL } from "../../lib/db/user-schema";

/**
 * The object's small key-value table (schema_version, tenant_id, user_id, user_settings) and the
 * versioned schema it records. Read once per instance: a brand-new object (one per user) pays one
 * lookup and one multi-statement exec, which bounds how fast a bulk import or campaign fans out.
 */
export class MetaStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  /** Every key and value; {} for an object that has never been written. */
  read(): Record<string, string> {
    const sql = this.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray().length === 0)
      return {};
    const rows = sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  write(entries: Record<string, string>): void {
    for (const [key, value] of Object.entries(entries)) {
      this.storage.sql.exec(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key,
        value,
      );
    }
  }

  /** Apply the schema steps after `version` (all of them for a new object) in one transaction. */
  migrate(version: number): void {
    if (version >= USER_SCHEMA_DDL.length) return;
    const steps = USER_SCHEMA_DDL.slice(version).flat();
    this.storage.transactionSync(() => {
      this.storage.sql.exec(
        [
          ...steps,
          `INSERT INTO meta (key, value) VALUES ('schema_version', '${USER_SCHEMA_DDL.length}')
             ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        ].join(";\n"),
      );
    });
  }
}
