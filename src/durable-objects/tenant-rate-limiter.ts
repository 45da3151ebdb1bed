import { DurableObject } from "cloudflare:workers";
import { fullBucket, type Lease, type RateLimit, type TokenBucket, takeTokens } from "../lib/ops/rate-limit";
import type { Env } from "../workers/env";

/**
 * One per tenant: the tenant's API request bucket, shared by every isolate. The bucket is kept in
 * memory only: if the object is evicted or restarts, the tenant starts again from a full bucket,
 * which is at most one extra burst, and no request ever waits for storage.
 */
export class TenantRateLimiter extends DurableObject<Env> {
  #bucket: TokenBucket | undefined;

  /** Up to `wanted` requests' worth of the tenant's budget under its current `limit`. */
  async lease(limit: RateLimit, wanted: number): Promise<Lease> {
    const now = Date.now();
    const { bucket, lease } = takeTokens(this.#bucket ?? fullBucket(limit, now), limit, wanted, now);
    this.#bucket = bucket;
    return lease;
  }
}
