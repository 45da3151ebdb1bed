import { createMiddleware } from "hono/factory";
import { ApiError } from "../../../lib/errors";
import {
  LEASE_TTL_MS,
  leaseSize,
  type RateLimit,
  retryAfterSeconds,
  withDefaultBurst,
} from "../../../lib/ops/rate-limit";
import type { Env } from "../../env";
import { problemResponse } from "../app";
import type { AppEnv, TenantRecord } from "../context";

/** Tokens this isolate holds for a tenant, or the instant the tenant's object said to come back. */
interface LocalBudget {
  /** The limit the tokens were leased under: a changed limit leases afresh. */
  limitKey: string;
  tokens: number;
  expires: number;
  blockedUntil: number;
  /** Requests of this isolate waiting for a lease. */
  waiting: number;
  /** The one lease in flight: concurrent requests share it instead of each leasing a batch. */
  pending?: Promise<void>;
}

const budgets = new Map<string, LocalBudget>();
/** Leases one request may wait for before it is refused (each grants a token or says "wait"). */
const MAX_LEASE_ROUNDS = 5;

function localBudget(tenantId: string, limitKey: string, now: number): LocalBudget {
  let budget = budgets.get(tenantId);
  if (!budget || budget.limitKey !== limitKey) {
    if (budgets.size > 10_000) budgets.clear();
    budget = { limitKey, tokens: 0, expires: 0, blockedUntil: 0, waiting: 0 };
    budgets.set(tenantId, budget);
  } else if (budget.expires <= now) budget.tokens = 0;
  return budget;
}

async function leaseFor(env: Env, tenantId: string, limit: RateLimit, budget: LocalBudget): Promise<void> {
  const stub = env.TENANT_RATE_LIMITER.get(env.TENANT_RATE_LIMITER.idFromName(tenantId));
  const lease = await stub.lease(limit, Math.max(leaseSize(limit), budget.waiting));
  const now = Date.now();
  budget.tokens += lease.granted;
  budget.expires = now + LEASE_TTL_MS;
  budget.blockedUntil = lease.granted > 0 ? 0 : now + lease.retryAfterMs;
}

/**
 * How long a request waits for a lease. The lease in flight may belong to another request of this
 * isolate, whose I/O dies with it if that request is cancelled: no request waits on it for long.
 */
const LEASE_WAIT_MS = 1_000;

function withinLeaseWait(lease: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no lease within ${LEASE_WAIT_MS} ms`)), LEASE_WAIT_MS);
  });
  return Promise.race([lease, timeout]).finally(() => clearTimeout(timer));
}

/** Spend one of the tenant's requests: 0 when granted, else how long to wait (ms). */
async function spendRequest(env: Env, tenantId: string, limit: RateLimit): Promise<number> {
  const limitKey = `${limit.requestsPerSecond}/${limit.burst}`;
  for (let round = 0; round < MAX_LEASE_ROUNDS; round++) {
    const now = Date.now();
    const budget = localBudget(tenantId, limitKey, now);
    if (budget.tokens >= 1) {
      budget.tokens -= 1;
      return 0;
    }
    if (budget.blockedUntil > now) return budget.blockedUntil - now;
    // Counted while waiting: a lease started by a request that wakes before the others asks for
    // enough for all of them.
    budget.waiting++;
    if (!budget.pending) {
      const lease = leaseFor(env, tenantId, limit, budget).finally(() => {
        budget.pending = undefined;
      });
      // Waiters that gave up (withinLeaseWait) no longer handle a late failure: nothing is left unhandled.
      lease.catch(() => undefined);
      budget.pending = lease;
    }
    try {
      await withinLeaseWait(budget.pending);
    } catch (error) {
      // The limiter must not take the API down with it: without an answer, the request goes on.
      console.error(JSON.stringify({ msg: "rate limiter unavailable", tenantId, error: String(error) }));
      return 0;
    } finally {
      budget.waiting--;
    }
  }
  return 1000;
}

export function deploymentLimit(env: Env): RateLimit | null {
  const requestsPerSecond = Number(env.API_RATE_LIMIT_PER_SECOND ?? 100);
  if (!Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0) return null;
  const burst = Number(env.API_RATE_LIMIT_BURST);
  return withDefaultBurst({
    requestsPerSecond,
    burst: Number.isFinite(burst) && burst >= 1 ? burst : undefined,
  });
}

/** The tenant's own budget if it set one, else the deployment's (null: not limited). */
export function effectiveRateLimit(env: Env, tenant: TenantRecord): RateLimit | null {
  return tenant.settings.rateLimit ?? deploymentLimit(env);
}

/**
 * Spends one request of the caller's tenant (after authentication: unauthenticated requests cost no
 * tenant anything). Tokens are leased from the tenant's object a few at a time and spent locally;
 * once the object says the bucket is empty, this isolate answers 429 without asking again until the
 * Retry-After it was told.
 */
export const enforceRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { tenant } = c.get("caller");
  const limit = effectiveRateLimit(c.env, tenant);
  if (!limit) return next();
  const waitMs = await spendRequest(c.env, tenant.id, limit);
  if (waitMs === 0) return next();
  const seconds = retryAfterSeconds(waitMs);
  return problemResponse(
    c,
    new ApiError(
      "rate_limited",
      `this tenant's API budget (${limit.requestsPerSecond} requests per second, bursts of ${limit.burst}) is spent; retry after ${seconds} s`,
    ),
    { "Retry-After": String(seconds) },
  );
});
