import { and, desc, eq, gte, isNull, lt, lte, ne } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import {
  apiKeys,
  auditLog,
  deadLetters,
  endpointCircuits,
  idempotencyKeys,
  tenants,
} from "../../lib/db/d1-schema";
import { newId } from "../../lib/ids";
import type { ExecutionFailure } from "../../lib/schedules/delivery";
import type { Role, TenantRecord, TenantSettings } from "../api/context";
import { olderThan } from "./keyset";

type TenantRow = typeof tenants.$inferSelect;
export type CircuitRow = typeof endpointCircuits.$inferSelect;

function toTenant(row: TenantRow): TenantRecord {
  return { ...row, settings: JSON.parse(row.settings) as TenantSettings };
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  keyPrefix: string;
  createdAt: number;
}

/**
 * Every tenant-scoped D1 query goes through this store, which binds the tenant id into each one
 * (invariant 4): no route can forget the scope.
 */
export function tenantStore(database: D1Database, tenantId: string) {
  const db = drizzle(database);
  return {
    tenantId,

    async getTenant(): Promise<TenantRecord | null> {
      const row = await db.select().from(tenants).where(eq(tenants.id, tenantId)).get();
      return row ? toTenant(row) : null;
    },

    async updateTenant(changes: Partial<Omit<TenantRecord, "id" | "createdAt" | "webhookSecret">>) {
      const { settings, ...columns } = changes;
      await db
        .update(tenants)
        .set({
          ...columns,
          ...(settings ? { settings: JSON.stringify(settings) } : {}),
          updatedAt: Date.now(),
        })
        .where(eq(tenants.id, tenantId))
        .run();
    },

    async createApiKey(input: { name: string; role: Role; keyHash: string; keyPrefix: string }) {
      const record = { id: newId("key"), tenantId, ...input, createdAt: Date.now() };
      await db.insert(apiKeys).values(record).run();
      return record;
    },

    /** Newest first; `before` is the (createdAt, id) of the last key already seen, so ties are not skipped. */
    async listApiKeys(limit: number, before?: { at: number; id: string }): Promise<ApiKeyRecord[]> {
      return db
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          role: apiKeys.role,
          keyPrefix: apiKeys.keyPrefix,
          createdAt: apiKeys.createdAt,
        })
        .from(apiKeys)
        .where(
          and(
            eq(apiKeys.tenantId, tenantId),
            isNull(apiKeys.revokedAt),
            olderThan(apiKeys.createdAt, apiKeys.id, before),
          ),
        )
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
        .limit(limit)
        .all();
    },

    /** Returns false when no active key with that id belongs to the tenant. */
    async revokeApiKey(id: string): Promise<boolean> {
      const result = await db
        .update(apiKeys)
        .set({ revokedAt: Date.now() })
        .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .run();
      return result.meta.changes > 0;
    },

    /** Newest first, within [from, to], optionally one actor or action; `before` is the last (at, id) seen. */
    async listAudit(
      query: { from?: number; to?: number; actor?: string; action?: string },
      limit: number,
      before?: { at: number; id: string },
    ) {
      return db
        .select()
        .from(auditLog)
        .where(
          and(
            eq(auditLog.tenantId, tenantId),
            query.from === undefined ? undefined : gte(auditLog.at, query.from),
            query.to === undefined ? undefined : lte(auditLog.at, query.to),
            query.actor ? eq(auditLog.actor, query.actor) : undefined,
            query.action ? eq(auditLog.action, query.action) : undefined,
            olderThan(auditLog.at, auditLog.id, before),
          ),
        )
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limit)
        .all();
    },

    async audit(actor: string, action: string, target: string | null, details?: unknown) {
      await db
        .insert(auditLog)
        .values({
          id: newId("aud"),
          tenantId,
          actor,
          action,
          target,
          details: details === undefined ? null : JSON.stringify(details),
          at: Date.now(),
        })
        .run();
    },

    /** Claims the key for this request; false when a record already exists (replay or conflict). */
    async claimIdempotencyKey(key: string, requestHash: string, now: number): Promise<boolean> {
      // An expired record (older than 24 h) no longer binds the key.
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.tenantId, tenantId),
            eq(idempotencyKeys.key, key),
            lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS),
          ),
        )
        .run();
      const inserted = await db
        .insert(idempotencyKeys)
        .values({ tenantId, key, requestHash, createdAt: now })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key })
        .all();
      return inserted.length === 1;
    },

    async getIdempotencyRecord(key: string) {
      return db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)))
        .get();
    },

    async saveIdempotentResponse(key: string, status: number, body: string) {
      await db
        .update(idempotencyKeys)
        .set({ responseStatus: status, responseBody: body })
        .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)))
        .run();
    },

    /**
     * One dead letter per failed execution: recording it again (an outbox flush repeated after D1
     * failed to answer) is a no-op. One D1 batch for all of them.
     */
    async recordDeadLetters(failures: ExecutionFailure[]) {
      if (failures.length === 0) return;
      const [first, ...rest] = failures.map((failure) =>
        db
          .insert(deadLetters)
          .values({ id: newId("dlq"), tenantId, ...failure })
          .onConflictDoNothing(),
      );
      await db.batch([first!, ...rest]);
    },

    /** Newest first; `before` is the (failedAt, id) of the last dead letter already seen. */
    async listDeadLetters(limit: number, before?: { at: number; id: string }) {
      return db
        .select()
        .from(deadLetters)
        .where(
          and(eq(deadLetters.tenantId, tenantId), olderThan(deadLetters.failedAt, deadLetters.id, before)),
        )
        .orderBy(desc(deadLetters.failedAt), desc(deadLetters.id))
        .limit(limit)
        .all();
    },

    async getDeadLetter(id: string) {
      return db
        .select()
        .from(deadLetters)
        .where(and(eq(deadLetters.tenantId, tenantId), eq(deadLetters.id, id)))
        .get();
    },

    async markDeadLetterRetried(id: string, at: number) {
      await db
        .update(deadLetters)
        .set({ retriedAt: at })
        .where(and(eq(deadLetters.tenantId, tenantId), eq(deadLetters.id, id)))
        .run();
    },

    /** The endpoint circuit's latest transition (written by the EndpointCircuit object). */
    async recordCircuit(circuit: Omit<CircuitRow, "tenantId">) {
      const row = { tenantId, ...circuit };
      await db
        .insert(endpointCircuits)
        .values(row)
        .onConflictDoUpdate({ target: endpointCircuits.tenantId, set: row })
        .run();
    },

    async getCircuit(): Promise<CircuitRow | undefined> {
      return db.select().from(endpointCircuits).where(eq(endpointCircuits.tenantId, tenantId)).get();
    },

    async releaseIdempotencyKey(key: string) {
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)))
        .run();
    },
  };
}

export type TenantStore = ReturnType<typeof tenantStore>;

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/**
 * The few queries that run before a tenant is known (key lookup, tenant creation) or across all
 * tenants (housekeeping). Each says why it is unscoped.
 */
export const systemStore = {
  /** Authentication: the key hash is the only thing known yet. */
  async findActiveKey(database: D1Database, keyHash: string) {
    const db = drizzle(database);
    const row = await db
      .select({ key: apiKeys, tenant: tenants })
      .from(apiKeys)
      .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
      .get();
    return row ? { keyId: row.key.id, role: row.key.role, tenant: toTenant(row.tenant) } : null;
  },

  /** The delivery path: the executor knows the tenant id from the message. */
  async findTenant(database: D1Database, tenantId: string) {
    return tenantStore(database, tenantId).getTenant();
  },

  /** Operator bootstrap: the tenant and its first admin key in one batch (both or neither). */
  async createTenant(
    database: D1Database,
    tenant: Omit<TenantRow, "settings"> & { settings: TenantSettings },
    key: { name: string; keyHash: string; keyPrefix: string },
  ) {
    const db = drizzle(database);
    const keyId = newId("key");
    await db.batch([
      db.insert(tenants).values({ ...tenant, settings: JSON.stringify(tenant.settings) }),
      db
        .insert(apiKeys)
        .values({ id: keyId, tenantId: tenant.id, role: "admin", createdAt: tenant.createdAt, ...key }),
      db.insert(auditLog).values({
        id: newId("aud"),
        tenantId: tenant.id,
        actor: "operator",
        action: "tenant.create",
        target: tenant.id,
        details: null,
        at: tenant.createdAt,
      }),
    ]);
    return keyId;
  },

  /** Operations view across tenants: endpoints whose circuit is not closed (for /health). */
  async unhealthyEndpoints(database: D1Database, limit = 50) {
    const db = drizzle(database);
    return db
      .select()
      .from(endpointCircuits)
      .where(ne(endpointCircuits.status, "closed"))
      .orderBy(desc(endpointCircuits.changedAt))
      .limit(limit)
      .all();
  },

  /** Housekeeping across tenants: idempotency records older than 24 h. */
  async purgeIdempotencyKeys(database: D1Database, before: number) {
    const db = drizzle(database);
    await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run();
  },
};
