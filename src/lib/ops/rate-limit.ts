/**
 * A tenant's API request budget: a token bucket that refills `requestsPerSecond` and holds at most
 * `burst`. One bucket per tenant lives in its rate-limiter object; isolates lease a few tokens at a
 * time from it (see `leaseSize`) so that most requests cost no call to the object.
 */
export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

/** A budget as a client names it: without a burst, two seconds' worth (at least 1). */
export function withDefaultBurst(limit: {
  requestsPerSecond: number;
  burst?: number | undefined;
}): RateLimit {
  return {
    requestsPerSecond: limit.requestsPerSecond,
    burst: limit.burst ?? Math.max(1, Math.round(2 * limit.requestsPerSecond)),
  };
}

/**
 * The most a tenant may give itself: the deployment's default or the budget in force, whichever is
 * higher (null: no ceiling, when either is unlimited). A tenant can lower its budget and return to
 * the default; only the operator gives more.
 */
export function selfServiceCeiling(
  deployment: RateLimit | null,
  applied: RateLimit | null,
): RateLimit | null {
  if (!deployment || !applied) return null;
  return {
    requestsPerSecond: Math.max(deployment.requestsPerSecond, applied.requestsPerSecond),
    burst: Math.max(deployment.burst, applied.burst),
  };
}

/** Which parts of `requested` exceed `ceiling`, as field errors under `rateLimit`. */
export function overCeiling(
  requested: RateLimit,
  ceiling: RateLimit | null,
): { path: string; message: string }[] {
  if (!ceiling) return [];
  return (["requestsPerSecond", "burst"] as const)
    .filter((field) => requested[field] > ceiling[field])
    .map((field) => ({
      path: `rateLimit.${field}`,
      message: `at most ${ceiling[field]} (the deployment's default or the current budget, whichever is higher; the operator can set more)`,
    }));
}

export interface TokenBucket {
  tokens: number;
  /** Instant `tokens` was last brought up to date (ms). */
  at: number;
}

export function fullBucket(limit: RateLimit, now: number): TokenBucket {
  return { tokens: limit.burst, at: now };
}

/** The bucket at `now`: refilled for the time since it was last updated, never above the burst. */
export function refill(bucket: TokenBucket, limit: RateLimit, now: number): TokenBucket {
  const elapsed = Math.max(0, now - bucket.at);
  return {
    tokens: Math.min(limit.burst, bucket.tokens + (elapsed * limit.requestsPerSecond) / 1000),
    at: now,
  };
}

export interface Lease {
  /** Whole tokens granted, 0 … wanted. */
  granted: number;
  /** When nothing was granted: how long until one token is back (ms); else 0. */
  retryAfterMs: number;
}

/** Take up to `wanted` whole tokens (as many as there are); none left says when the next one is. */
export function takeTokens(
  bucket: TokenBucket,
  limit: RateLimit,
  wanted: number,
  now: number,
): { bucket: TokenBucket; lease: Lease } {
  const current = refill(bucket, limit, now);
  const granted = Math.max(0, Math.min(wanted, Math.floor(current.tokens)));
  if (granted > 0)
    return { bucket: { ...current, tokens: current.tokens - granted }, lease: { granted, retryAfterMs: 0 } };
  const retryAfterMs = Math.ceil(((1 - current.tokens) * 1000) / limit.requestsPerSecond);
  return { bucket: current, lease: { granted: 0, retryAfterMs } };
}

/**
 * Tokens an isolate asks for at once: a twentieth of what the tenant may spend in a burst or in a
 * second (whichever is less), at least 1. Small enough that isolates holding leases cannot use up a
 * tight budget among themselves, large enough that a busy tenant calls its object once per many
 * requests. With a budget of 20 or less every request asks the object: the limit is then exact.
 */
export function leaseSize(limit: RateLimit): number {
  return Math.max(1, Math.floor(Math.min(limit.burst, limit.requestsPerSecond) / 20));
}

/** Leased tokens not spent within this long are dropped, so that an idle isolate holds none back. */
export const LEASE_TTL_MS = 1_000;

/** The Retry-After header's whole seconds (at least 1) for a wait in ms. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
