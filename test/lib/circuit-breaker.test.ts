import { describe, expect, it } from "vitest";
import {
  admitDelivery,
  type CircuitPolicy,
  type CircuitState,
  closedCircuit,
  DEFAULT_CIRCUIT_POLICY,
  endpointFailed,
  recordAttempts,
} from "../../src/lib/retry/circuit-breaker";

const policy: CircuitPolicy = { ...DEFAULT_CIRCUIT_POLICY, minFailures: 5, openMs: 1000, maxOpenMs: 3000 };
const T0 = 1_800_000_000_000;

function feed(state: CircuitState, results: boolean[], start = T0): CircuitState {
  return results.reduce(
    (s, ok, i) => recordAttempts(s, policy, start + i, { successes: ok ? 1 : 0, failures: ok ? 0 : 1 }),
    state,
  );
}

describe("circuit breaker", () => {
  it("opens once enough failures make up enough of the window", () => {
    const four = feed(closedCircuit(policy), [false, false, false, false]);
    expect(four.status).toBe("closed");
    const five = recordAttempts(four, policy, T0 + 10, { successes: 0, failures: 1 });
    expect(five.status).toBe("open");
    expect(five.retryAt).toBe(T0 + 10 + 1000);
    expect(five.transitions.at(-1)).toMatchObject({
      from: "closed",
      to: "open",
      reason: "5 of 5 attempts failed in 60 s",
    });
  });

  it("stays closed for an endpoint that drops one request in five (ratio, not a run)", () => {
    // 200 attempts, every fifth failing: 40 failures, far more than minFailures, ratio 0.2.
    const results = Array.from({ length: 200 }, (_, i) => i % 5 !== 0);
    expect(feed(closedCircuit(policy), results).status).toBe("closed");
  });

  it("forgets failures that left the window", () => {
    const old = feed(closedCircuit(policy), [false, false, false, false]);
    const later = recordAttempts(old, policy, T0 + policy.windowMs + 1, { successes: 0, failures: 1 });
    expect(later.status).toBe("closed");
  });

  it("defers while open, lets exactly one probe through after the cooldown, closes on its success", () => {
    const open = feed(closedCircuit(policy), [false, false, false, false, false]);
    expect(admitDelivery(open, policy, T0 + 500).admission).toEqual({ kind: "defer", until: open.retryAt });
    const probing = admitDelivery(open, policy, open.retryAt!);
    expect(probing.admission).toEqual({ kind: "probe" });
    expect(probing.state.status).toBe("half_open");
    // Another caller while the probe is out waits a short recheck, not the whole probe timeout.
    const other = admitDelivery(probing.state, policy, open.retryAt! + 1);
    expect(other.admission).toEqual({ kind: "defer", until: open.retryAt! + 1 + policy.probeRecheckMs });
    const closed = recordAttempts(probing.state, policy, open.retryAt! + 50, {
      successes: 1,
      failures: 0,
      probe: true,
    });
    expect(closed.status).toBe("closed");
    expect(closed.buckets).toEqual([]);
    expect(admitDelivery(closed, policy, open.retryAt! + 60).admission).toEqual({ kind: "deliver" });
  });

  it("a failed probe opens again with the cooldown doubled, up to its cap", () => {
    let state = feed(closedCircuit(policy), [false, false, false, false, false]);
    const cooldowns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const at = state.retryAt!;
      state = admitDelivery(state, policy, at).state;
      state = recordAttempts(state, policy, at, { successes: 0, failures: 1, probe: true });
      cooldowns.push(state.retryAt! - at);
    }
    expect(cooldowns).toEqual([2000, 3000, 3000]);
    expect(state.status).toBe("open");
  });

  it("a probe presumed lost is replaced by another after the probe timeout", () => {
    const open = feed(closedCircuit(policy), [false, false, false, false, false]);
    const probing = admitDelivery(open, policy, open.retryAt!).state;
    const again = admitDelivery(probing, policy, open.retryAt! + policy.probeTimeoutMs);
    expect(again.admission).toEqual({ kind: "probe" });
    expect(again.state.transitions.at(-1)?.reason).toBe("probe unanswered: probing again");
  });

  it("results of attempts already in flight while open only count", () => {
    const open = feed(closedCircuit(policy), [false, false, false, false, false]);
    const still = recordAttempts(open, policy, T0 + 20, { successes: 3, failures: 0 });
    expect(still.status).toBe("open");
  });

  it("counts timeouts, 408, 429 and 5xx against the endpoint, not other answers", () => {
    expect([null, 408, 429, 500, 503].map(endpointFailed)).toEqual([true, true, true, true, true]);
    expect([200, 204, 400, 404, 410].map(endpointFailed)).toEqual([false, false, false, false, false]);
  });
});
