import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Tenant-wide state in D1. Every table but `tenants` carries `tenant_id`; queries go through TenantStore. */
export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  webhookUrl: text("webhook_url").notNull(),
  webhookSecret: text("webhook_secret").notNull(),
  defaultTimezone: text("default_timezone").notNull().default("UTC"),
  /** JSON: businessHours, holidayCountry, webhookTimeoutMs, rate limits. */
  settings: text("settings").notNull().default("{}"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    role: text("role", { enum: ["admin", "editor", "viewer"] }).notNull(),
    /** SHA-256 of the key; the key itself is shown once and never stored. */
    keyHash: text("key_hash").notNull(),
    /** First characters of the key, to tell keys apart in listings. */
    keyPrefix: text("key_prefix").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.keyHash), index("api_keys_tenant").on(t.tenantId, t.createdAt)],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tenantId: text("tenant_id").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    /** Null while the first request is still running. */
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] }), index("idempotency_created").on(t.createdAt)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    details: text("details"),
    at: integer("at").notNull(),
  },
  (t) => [index("audit_tenant_at").on(t.tenantId, t.at)],
);

/** Executions that exhausted their attempts (or that the executor could not process). */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    scheduleId: text("schedule_id").notNull(),
    executionId: text("execution_id").notNull(),
    userId: text("user_id").notNull(),
    notificationId: text("notification_id").notNull(),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    lastHttpStatus: integer("last_http_status"),
    failedAt: integer("failed_at").notNull(),
    /** Set when the schedule was sent back to pending through the API. */
    retriedAt: integer("retried_at"),
  },
  (t) => [
    uniqueIndex("dead_letters_execution").on(t.tenantId, t.scheduleId, t.executionId),
    index("dead_letters_tenant_failed").on(t.tenantId, t.failedAt),
  ],
);

/**
 * Where each tenant endpoint's circuit breaker stands, written by its EndpointCircuit object on
 * every transition (rare), so that /health and GET /v1/tenant can show it without asking objects.
 */
export const endpointCircuits = sqliteTable(
  "endpoint_circuits",
  {
    tenantId: text("tenant_id").primaryKey(),
    status: text("status", { enum: ["closed", "open", "half_open"] }).notNull(),
    reason: text("reason").notNull(),
    openedAt: integer("opened_at"),
    retryAt: integer("retry_at"),
    changedAt: integer("changed_at").notNull(),
  },
  (t) => [index("endpoint_circuits_status").on(t.status)],
);

/**
 * Recurring patterns. The rule (cron or interval, window, filters) and the target are JSON; the
 * payload is sealed like every payload at rest. `generatedUntil` is how far occurrences have been
 * turned into schedules; the Cron Trigger extends it, never past the horizon. `version` changes on
 * every edit, so the instances of an edited rule get new ids.
 */
export const recurringPatterns = sqliteTable(
  "recurring_patterns",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    rule: text("rule").notNull(),
    target: text("target").notNull(),
    notificationId: text("notification_id").notNull(),
    payload: text("payload").notNull(),
    priority: integer("priority").notNull(),
    status: text("status", { enum: ["active", "paused", "completed"] }).notNull(),
    version: integer("version").notNull(),
    generatedUntil: integer("generated_until").notNull(),
    occurrencesGenerated: integer("occurrences_generated").notNull(),
    lastGeneratedAt: integer("last_generated_at"),
    /** When a Cron Trigger sweep handed the pattern to a generation message (a 5-minute claim). */
    claimedAt: integer("claimed_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("recurring_patterns_tenant").on(t.tenantId, t.createdAt),
    index("recurring_patterns_due").on(t.status, t.generatedUntil),
  ],
);

/**
 * Users' engagement profiles as their objects last reported them (one row per user and type), the
 * input of training. Written on ingestion, never on the firing path.
 */
export const engagementProfiles = sqliteTable(
  "engagement_profiles",
  {
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    profile: text("profile").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("engagement_profiles_key").on(t.tenantId, t.userId, t.type),
    index("engagement_profiles_recent").on(t.tenantId, t.type, t.updatedAt),
  ],
);

/** The trained priors per tenant and notification type ("*": all types pooled). */
export const optimizerModels = sqliteTable(
  "optimizer_models",
  {
    tenantId: text("tenant_id").notNull(),
    type: text("type").notNull(),
    version: text("version").notNull(),
    prior: text("prior").notNull(),
    trainedAt: integer("trained_at").notNull(),
    users: integer("users").notNull(),
    events: integer("events").notNull(),
    metrics: text("metrics").notNull(),
  },
  (t) => [uniqueIndex("optimizer_models_key").on(t.tenantId, t.type)],
);

/** Send-time experiments: variants (optimized or a fixed local time) with an allocation. */
export const experiments = sqliteTable(
  "experiments",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    notificationType: text("notification_type").notNull(),
    variants: text("variants").notNull(),
    allocation: text("allocation").notNull(),
    status: text("status", { enum: ["running", "stopped"] }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("experiments_type").on(t.tenantId, t.notificationType, t.status)],
);

/** One row per schedule sent under an experiment; opened when the tenant reports an open. */
export const experimentSends = sqliteTable(
  "experiment_sends",
  {
    tenantId: text("tenant_id").notNull(),
    experimentId: text("experiment_id").notNull(),
    variant: integer("variant").notNull(),
    scheduleId: text("schedule_id").notNull(),
    userId: text("user_id").notNull(),
    opened: integer("opened").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    uniqueIndex("experiment_sends_schedule").on(t.tenantId, t.scheduleId),
    index("experiment_sends_experiment").on(t.tenantId, t.experimentId, t.variant),
  ],
);

/**
 * Every schedule whose time the optimizer chose, with the source and predicted open probability,
 * and whether it was opened: live performance and calibration by source, and what training's
 * recalibration learns from (the model's own probability, by type and send time; rows written
 * before migration 0008 have neither and are left out of it).
 */
export const optimizedSends = sqliteTable(
  "optimized_sends",
  {
    tenantId: text("tenant_id").notNull(),
    scheduleId: text("schedule_id").notNull(),
    source: text("source").notNull(),
    /** The probability the answer gave (recalibrated, or the AI scorer's). */
    predicted: real("predicted").notNull(),
    opened: integer("opened").notNull(),
    /** When the schedule was created. */
    at: integer("at").notNull(),
    notificationType: text("notification_type"),
    /** The chosen send instant. */
    sendAt: integer("send_at"),
    /** The built-in model's own probability for it, before recalibration. */
    modelPredicted: real("model_predicted"),
  },
  (t) => [
    uniqueIndex("optimized_sends_schedule").on(t.tenantId, t.scheduleId),
    index("optimized_sends_recent").on(t.tenantId, t.at),
    index("optimized_sends_outcomes").on(t.tenantId, t.notificationType, t.sendAt),
  ],
);

/**
 * Campaigns: the definition (phases, rules) as JSON, the lifecycle status, and the audience in
 * chunks of at most AUDIENCE_CHUNK user ids, so that each chunk is one fan-out message.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    status: text("status", {
      enum: ["draft", "scheduled", "running", "paused", "completed", "cancelled"],
    }).notNull(),
    /** Phases, rules, timezone, start and end (the validated create body minus the audience). */
    definition: text("definition").notNull(),
    /** Payload templates per phase, sealed like every payload. */
    templates: text("templates").notNull(),
    audienceSize: integer("audience_size").notNull(),
    audienceChunks: integer("audience_chunks").notNull(),
    startAt: integer("start_at").notNull(),
    scheduledAt: integer("scheduled_at"),
    completedAt: integer("completed_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("campaigns_tenant").on(t.tenantId, t.createdAt),
    index("campaigns_status").on(t.status, t.startAt),
  ],
);

export const campaignAudience = sqliteTable(
  "campaign_audience",
  {
    tenantId: text("tenant_id").notNull(),
    campaignId: text("campaign_id").notNull(),
    seq: integer("seq").notNull(),
    userIds: text("user_ids").notNull(),
    size: integer("size").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.campaignId, t.seq] })],
);

/** One row per fan-out chunk done: written once (primary key), so retries never count twice. */
export const campaignChunks = sqliteTable(
  "campaign_chunks",
  {
    tenantId: text("tenant_id").notNull(),
    campaignId: text("campaign_id").notNull(),
    seq: integer("seq").notNull(),
    recipients: integer("recipients").notNull(),
    schedules: integer("schedules").notNull(),
    failed: integer("failed").notNull(),
    doneAt: integer("done_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.campaignId, t.seq] })],
);

/**
 * The tenant-wide schedule index (GET /v1/schedules, campaign progress). Written by whoever changed
 * the schedule, after the user's object committed; a row only moves forward in `updated_at`.
 */
export const scheduleIndex = sqliteTable(
  "schedule_index",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    notificationId: text("notification_id").notNull(),
    scheduledTime: integer("scheduled_time").notNull(),
    status: text("status").notNull(),
    campaignId: text("campaign_id"),
    /** Campaign phase index, drip step index; null otherwise. */
    step: integer("step"),
    origin: text("origin"),
    recurringPatternId: text("recurring_pattern_id"),
    openedAt: integer("opened_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("schedule_index_time").on(t.tenantId, t.scheduledTime, t.id),
    index("schedule_index_user").on(t.tenantId, t.userId, t.scheduledTime),
    index("schedule_index_campaign").on(t.tenantId, t.campaignId, t.step, t.status),
  ],
);

/** Drips: steps with delays, exit events, an optional trigger event and a re-enrollment rule. */
export const drips = sqliteTable(
  "drips",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    definition: text("definition").notNull(),
    templates: text("templates").notNull(),
    triggerEvent: text("trigger_event"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("drips_tenant").on(t.tenantId, t.createdAt),
    index("drips_trigger").on(t.tenantId, t.triggerEvent),
  ],
);

/** Conditional schedules: an event (optionally for one user) starts a delayed notification. */
export const conditionalSchedules = sqliteTable(
  "conditional_schedules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id"),
    triggerEvent: text("trigger_event").notNull(),
    definition: text("definition").notNull(),
    payload: text("payload").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("conditional_schedules_trigger").on(t.tenantId, t.triggerEvent)],
);
