import { describe, expect, it } from "vitest";
import {
  fullBucket,
  leaseSize,
  overCeiling,
  type RateLimit,
  refill,
  retryAfterSeconds,
  selfServiceCeiling,
  takeTokens,
  withDefaultBurst,
} from "../../src/lib/ops/rate-limit";

const T0 = 1_800_000_000_000;
const limit: RateLimit = { requestsPerSecond: 10, burst: 20 };

describe("token bucket", () => {
  it("grants a burst, then nothing, and says when the next token is back", () => {
    let bucket = fullBucket(limit, T0);
    const first = takeTokens(bucket, limit, 15, T0);
    expect(first.lease).toEqual({ granted: 15, retryAfterMs: 0 });
    bucket = first.bucket;
    const rest = takeTokens(bucket, limit, 15, T0);
    expect(rest.lease.granted).toBe(5);
    const none = takeTokens(rest.bucket, limit, 1, T0 + 30);
    // 30 ms at 10/s refilled 0.3 of a token: 0.7 more take 70 ms.
    expect(none.lease).toEqual({ granted: 0, retryAfterMs: 70 });
    expect(takeTokens(none.bucket, limit, 1, T0 + 100).lease.granted).toBe(1);
  });

  it("refills at the rate and never above the burst", () => {
    const empty = { tokens: 0, at: T0 };
    expect(refill(empty, limit, T0 + 500).tokens).toBeCloseTo(5);
    expect(refill(empty, limit, T0 + 60_000).tokens).toBe(20);
    // A clock that went back refills nothing.
    expect(refill({ tokens: 3, at: T0 }, limit, T0 - 1000).tokens).toBe(3);
  });

  it("a lowered limit caps what the bucket already held", () => {
    const held = fullBucket({ requestsPerSecond: 100, burst: 200 }, T0);
    const tight = { requestsPerSecond: 0.01, burst: 3 };
    const { lease } = takeTokens(held, tight, 10, T0);
    expect(lease.granted).toBe(3);
  });

  it("leases a twentieth of the budget, and single tokens for a tight one", () => {
    expect(leaseSize({ requestsPerSecond: 100, burst: 200 })).toBe(5);
    expect(leaseSize({ requestsPerSecond: 1000, burst: 100 })).toBe(5);
    expect(leaseSize({ requestsPerSecond: 20, burst: 40 })).toBe(1);
    expect(leaseSize({ requestsPerSecond: 0.01, burst: 3 })).toBe(1);
  });

  it("fills in a burst of two seconds' worth and rounds Retry-After up to whole seconds", () => {
    expect(withDefaultBurst({ requestsPerSecond: 50 })).toEqual({ requestsPerSecond: 50, burst: 100 });
    expect(withDefaultBurst({ requestsPerSecond: 0.1 })).toEqual({ requestsPerSecond: 0.1, burst: 1 });
    expect(withDefaultBurst({ requestsPerSecond: 5, burst: 7 }).burst).toBe(7);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(-5)).toBe(1);
  });
});

describe("what a tenant may give itself", () => {
  const deployment = { requestsPerSecond: 100, burst: 200 };
  it("up to the deployment's default or the budget in force, whichever is higher", () => {
    expect(selfServiceCeiling(deployment, { requestsPerSecond: 10, burst: 20 })).toEqual(deployment);
    expect(selfServiceCeiling(deployment, { requestsPerSecond: 5000, burst: 100 })).toEqual({
      requestsPerSecond: 5000,
      burst: 200,
    });
    expect(selfServiceCeiling(null, deployment)).toBeNull();
    expect(overCeiling({ requestsPerSecond: 150, burst: 200 }, deployment).map((e) => e.path)).toEqual([
      "rateLimit.requestsPerSecond",
    ]);
    expect(overCeiling({ requestsPerSecond: 100, burst: 200 }, deployment)).toEqual([]);
    expect(overCeiling({ requestsPerSecond: 1e4, burst: 2e4 }, null)).toEqual([]);
  });
});
