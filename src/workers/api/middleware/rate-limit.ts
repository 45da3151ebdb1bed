import { createMiddleware } from "hono/factory";
import { ApiError } from "../../../lib/errors";
import { LEASE_TTL_MS, leaseSize, type RateLimit, retryAfterSeconds } from "../../../lib/ops/rate-limit";
import type { Env } from "../../env";
import { problemResponse } from "../app";
import type { AppEnv, TenantRecord } from "../context";

/** Tokens this isolate holds for a tenant, or the instant the tenant's object said to come back. */
interface LocalLease {
  tokens: number;
  expires: number;
  /** The limit the tokens were leased under: a changed limit leases afresh. */
  limitKey: string;
  blockedUntil: number;
}

const leases = new Map<string, LocalLease>();

function deploymentLimit(env: Env): RateLimit | null {
  const requestsPerSecond = Number(env.API_RATE_LIMIT_PER_SECOND ?? 100);
  if (!Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0) return null;
  const burst = Number(env.API_RATE_LIMIT_BURST ?? 2 * requestsPerSecond);
  return { requestsPerSecond, burst: Number.isFinite(burst) && burst >= 1 ? burst : 2 * requestsPerSecond };
}

/** The tenant's own budget if it set one, else the deployment's (null: not limited). */
export function effectiveRateLimit(env: Env, tenant: TenantRecord): RateLimit | null {
  return tenant.settings.rateLimit ?? deploymentLimit(env);
}

/**
 * Spends one token of the caller's tenant per request (after authentication: unauthenticated
 * requests cost no tenant anything). Tokens are leased from the tenant's object a few at a time and
 * spent locally; once the object says the bucket is empty, this isolate answers 429 without asking
 * again until the Retry-After it was told.
 */
export const enforceRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { tenant } = c.get("caller");
  const limit = effectiveRateLimit(c.env, tenant);
  if (!limit) return next();
  const now = Date.now();
  const limitKey = `${limit.requestsPerSecond}/${limit.burst}`;
  let local = leases.get(tenant.id);
  if (!local || local.limitKey !== limitKey) local = { tokens: 0, expires: 0, limitKey, blockedUntil: 0 };
  else if (local.expires <= now) local.tokens = 0;
  if (local.tokens < 1 && local.blockedUntil <= now) {
    const stub = c.env.TENANT_RATE_LIMITER.get(c.env.TENANT_RATE_LIMITER.idFromName(tenant.id));
    const lease = await stub.lease(limit, leaseSize(limit));
    local.tokens = lease.granted;
    local.expires = now + LEASE_TTL_MS;
    local.blockedUntil = lease.granted > 0 ? 0 : now + lease.retryAfterMs;
  }
  if (leases.size > 10_000) leases.clear();
  leases.set(tenant.id, local);
  if (local.tokens < 1) {
    const seconds = retryAfterSeconds(local.blockedUntil - now);
    return problemResponse(
      c,
      new ApiError(
        "rate_limited",
        `this tenant's API budget (${limit.requestsPerSecond} requests per second, bursts of ${limit.burst}) is spent; retry after ${seconds} s`,
      ),
      { "Retry-After": String(seconds) },
    );
  }
  local.tokens -= 1;
  return next();
});
