import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Tables inside one UserScheduler Durable Object (one per tenant + user). The DDL that creates them
 * is versioned in USER_SCHEMA_DDL and applied from the object's constructor. A third table, `meta`,
 * is a small key-value store (schema version, owner, user settings) read once per instance.
 */
export const schedules = sqliteTable("schedules", {
  id: text("id").primaryKey(),
  notificationId: text("notification_id").notNull(),
  scheduledTime: integer("scheduled_time").notNull(),
  /** When the alarm must next act on a pending row (scheduledTime, a retry time, or "now"). */
  dueAt: integer("due_at"),
  timezone: text("timezone").notNull(),
  status: text("status").notNull(),
  priority: integer("priority").notNull(),
  retryConfig: text("retry_config").notNull(),
  payload: text("payload").notNull(),
  metadata: text("metadata").notNull(),
  attempts: integer("attempts").notNull(),
  recurringPatternId: text("recurring_pattern_id"),
  campaignId: text("campaign_id"),
  sendTimeSource: text("send_time_source").notNull(),
  idempotencyKey: text("idempotency_key"),
  /** Stable across retries: it is the `webhook-id` the receiver de-duplicates on. */
  executionId: text("execution_id"),
  /** While executing: when the alarm may assume the attempt is lost and send it again. */
  leaseUntil: integer("lease_until"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  executedAt: integer("executed_at"),
  failureReason: text("failure_reason"),
  /** Campaigns, drips and triggers: what made the schedule ("campaign:<id>", "drip:<id>:<n>", "trigger:<id>"). */
  origin: text("origin"),
  /** The campaign phase or drip step it is. */
  step: integer("step"),
  /** StoredCondition[] as JSON, evaluated when the schedule is claimed; null: none. */
  conditions: text("conditions"),
});

export const attempts = sqliteTable("attempts", {
  id: text("id").notNull(),
  scheduleId: text("schedule_id").notNull(),
  executionId: text("execution_id").notNull(),
  attempt: integer("attempt").notNull(),
  status: text("status").notNull(),
  startedAt: integer("started_at").notNull(),
  finishedAt: integer("finished_at"),
  durationMs: integer("duration_ms"),
  httpStatus: integer("http_status"),
  error: text("error"),
});

export const deliveryEvents = sqliteTable("delivery_events", {
  scheduleId: text("schedule_id").notNull(),
  executionId: text("execution_id").notNull(),
  event: text("event").notNull(),
  at: integer("at").notNull(),
  receivedAt: integer("received_at").notNull(),
});

/** Append-only list of schema versions; index i brings the storage from version i to i + 1. */
export const USER_SCHEMA_DDL: readonly string[][] = [
  [
    `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS schedules (
      id TEXT PRIMARY KEY, notification_id TEXT NOT NULL, scheduled_time INTEGER NOT NULL,
      due_at INTEGER, timezone TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending','paused','executing','completed','failed','cancelled')),
      priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5), retry_config TEXT NOT NULL,
      payload TEXT NOT NULL, metadata TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      recurring_pattern_id TEXT, campaign_id TEXT, send_time_source TEXT NOT NULL,
      idempotency_key TEXT, execution_id TEXT, lease_until INTEGER,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, executed_at INTEGER, failure_reason TEXT)`,
    `CREATE INDEX IF NOT EXISTS schedules_due ON schedules (due_at) WHERE status = 'pending'`,
    `CREATE INDEX IF NOT EXISTS schedules_lease ON schedules (lease_until) WHERE status = 'executing'`,
    `CREATE INDEX IF NOT EXISTS schedules_time ON schedules (scheduled_time, id)`,
    `CREATE TABLE IF NOT EXISTS attempts (
      schedule_id TEXT NOT NULL, attempt INTEGER NOT NULL, id TEXT NOT NULL, execution_id TEXT NOT NULL,
      status TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER, duration_ms INTEGER,
      http_status INTEGER, error TEXT, PRIMARY KEY (schedule_id, execution_id, attempt)) WITHOUT ROWID`,
  ],
  // v2: what the tenant reports back (delivery status and engagement); send-time optimization reads it.
  [
    `CREATE TABLE IF NOT EXISTS delivery_events (
      schedule_id TEXT NOT NULL, execution_id TEXT NOT NULL, event TEXT NOT NULL, at INTEGER NOT NULL,
      received_at INTEGER NOT NULL, PRIMARY KEY (schedule_id, execution_id, event)) WITHOUT ROWID`,
  ],
  // v3: a pattern's instances are found to cancel them when it is paused, edited or deleted.
  [
    `CREATE INDEX IF NOT EXISTS schedules_pattern ON schedules (recurring_pattern_id)
      WHERE recurring_pattern_id IS NOT NULL`,
  ],
  // v4: campaigns, drips and event triggers: where a schedule came from, and conditions at fire
  // time. No index: a user's object holds few schedules, and these columns are only read when a
  // campaign or drip changes, so a scan costs less than indexes every new object would build.
  [
    `ALTER TABLE schedules ADD COLUMN origin TEXT`,
    `ALTER TABLE schedules ADD COLUMN step INTEGER`,
    `ALTER TABLE schedules ADD COLUMN conditions TEXT`,
  ],
  // v5: the outbox for D1. A change to a schedule marks its id here in the same transaction, and a
  // failed execution leaves its dead letter here; the object flushes both to D1 after the write and
  // from its alarm until D1 has them, so neither is lost when D1 or the Worker fails meanwhile.
  [
    `CREATE TABLE IF NOT EXISTS index_outbox (
      schedule_id TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID`,
    `CREATE TABLE IF NOT EXISTS dead_letter_outbox (
      execution_id TEXT PRIMARY KEY, failure TEXT NOT NULL) WITHOUT ROWID`,
  ],
];

/**
 * Send-time optimization's tables: created by EngagementStore on its first use in an object, not
 * with the schema, so that the many objects that never see engagement data are not created
 * bigger (a new object is the unit cost of fan-out). One profile per notification type, and the
 * recent sends that opens are paired with.
 */
export const ENGAGEMENT_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS engagement_profiles (
      type TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS engagement_sends (
      send_key TEXT PRIMARY KEY, type TEXT NOT NULL, slot INTEGER, zone TEXT, at INTEGER NOT NULL,
      opened INTEGER NOT NULL DEFAULT 0, folded INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX IF NOT EXISTS engagement_sends_type_at ON engagement_sends (type, at)`,
  `CREATE INDEX IF NOT EXISTS engagement_sends_unfolded ON engagement_sends (type) WHERE folded = 0`,
];

/**
 * Events the user sent (POST /v1/events) and drip enrollments: created on first use, like the
 * engagement tables, so objects that never see an event stay small.
 */
export const JOURNEY_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS user_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, at INTEGER NOT NULL, properties TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS user_events_name_at ON user_events (name, at)`,
  `CREATE TABLE IF NOT EXISTS enrollments (
      drip_id TEXT NOT NULL, seq INTEGER NOT NULL, status TEXT NOT NULL, enrolled_at INTEGER NOT NULL,
      ends_at INTEGER NOT NULL, exit_on TEXT NOT NULL, ended_at INTEGER, PRIMARY KEY (drip_id, seq)) WITHOUT ROWID`,
];
