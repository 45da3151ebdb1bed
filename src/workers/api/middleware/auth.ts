import { createMiddleware } from "hono/factory";
import { sha256Hex, timingSafeEqual } from "../../../lib/crypto/hash";
import { ApiError } from "../../../lib/errors";
import { systemStore } from "../../db/tenant-store";
import { type AppEnv, type Caller, ROLES, type Role } from "../context";

/**
 * Resolved keys are cached per isolate for at most this long, which is also the bound on how long a
 * revoked key keeps working (API.md: within 10 s everywhere).
 */
const KEY_CACHE_TTL_MS = 5_000;
const keyCache = new Map<string, { caller: Caller | null; expires: number }>();

/** The bearer token (or X-API-Key) a request presents, if any. */
export function credential(c: { req: { header(name: string): string | undefined } }): string | null {
  const authorization = c.req.header("authorization");
  if (authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    return m ? m[1]! : null;
  }
  return c.req.header("x-api-key") ?? null;
}

export async function resolveApiKey(db: D1Database, key: string): Promise<Caller | null> {
  // Keyed by the presented key itself (memory only): a cache hit costs no hashing.
  const now = Date.now();
  const cached = keyCache.get(key);
  if (cached && cached.expires > now) return cached.caller;
  const found = await systemStore.findActiveKey(db, await sha256Hex(key));
  const caller = found
    ? { tenantId: found.tenant.id, keyId: found.keyId, role: found.role, tenant: found.tenant }
    : null;
  if (keyCache.size > 10_000) keyCache.clear();
  keyCache.set(key, { caller, expires: now + KEY_CACHE_TTL_MS });
  return caller;
}

/** Forget cached callers of a tenant in this isolate (after its settings or keys change). */
export function forgetCachedTenant(tenantId: string): void {
  for (const [key, entry] of keyCache) if (entry.caller?.tenantId === tenantId) keyCache.delete(key);
}

export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = credential(c);
  if (!key)
    throw new ApiError("unauthorized", "send an API key as `Authorization: Bearer <key>` or `X-API-Key`");
  const caller = await resolveApiKey(c.env.DB, key);
  if (!caller) throw new ApiError("unauthorized", "the API key is invalid or revoked");
  c.set("caller", caller);
  return next();
});

export const requireAdminToken = createMiddleware<AppEnv>(async (c, next) => {
  const token = credential(c);
  const expected = c.env.ADMIN_TOKEN;
  if (!expected)
    throw new ApiError("service_unavailable", "ADMIN_TOKEN is not configured on this deployment");
  if (!token || !timingSafeEqual(token, expected)) throw new ApiError("unauthorized", "invalid admin token");
  return next();
});

/** Roles are ordered viewer < editor < admin; a route names the least it needs. */
export function requireRole(minimum: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { role } = c.get("caller");
    if (ROLES.indexOf(role) < ROLES.indexOf(minimum)) {
      throw new ApiError("forbidden", `this operation needs the ${minimum} role; the key has ${role}`);
    }
    return next();
  });
}
