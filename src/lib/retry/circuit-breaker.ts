import { classifyDelivery } from "./policy";

/**
 * A circuit breaker for one tenant's webhook endpoint, as plain data and pure functions (the
 * EndpointCircuit object stores the state; consumers only carry verdicts).
 *
 * closed → open: within the rolling window at least `minFailures` attempts failed and they are at
 * least `failureRatio` of all attempts. A ratio, not a run of consecutive failures: a healthy
 * endpoint that drops 20 % of requests at random must not be cut off, a dead one must.
 * open → half_open: after the cooldown, one probe is let through; everything else keeps waiting.
 * half_open → closed on the probe's success; → open again (cooldown doubled, capped) on failure.
 */
export type CircuitStatus = "closed" | "open" | "half_open";

export interface CircuitPolicy {
  minFailures: number;
  failureRatio: number;
  windowMs: number;
  openMs: number;
  maxOpenMs: number;
  /** A probe not answered within this is presumed lost and another may go. */
  probeTimeoutMs: number;
  /** While a probe is out, others wait this long before asking again (not the whole timeout). */
  probeRecheckMs: number;
}

export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = {
  minFailures: 10,
  failureRatio: 0.5,
  windowMs: 60_000,
  openMs: 30_000,
  maxOpenMs: 10 * 60_000,
  probeTimeoutMs: 30_000,
  probeRecheckMs: 5_000,
};

const BUCKETS = 6;

export interface CircuitTransition {
  at: number;
  from: CircuitStatus;
  to: CircuitStatus;
  reason: string;
}

export interface CircuitState {
  status: CircuitStatus;
  /** Attempt counts per slice of the window (windowMs / 6 each), oldest first. */
  buckets: { start: number; successes: number; failures: number }[];
  openedAt: number | null;
  /** open: when a probe may go. half_open: when the probe in flight is presumed lost. */
  retryAt: number | null;
  cooldownMs: number;
  transitions: CircuitTransition[];
}

export function closedCircuit(policy: CircuitPolicy): CircuitState {
  return {
    status: "closed",
    buckets: [],
    openedAt: null,
    retryAt: null,
    cooldownMs: policy.openMs,
    transitions: [],
  };
}

/** How many attempts of a group may go now: all, one probe, or none until `retryAt`. */
export type Admission = { kind: "deliver" } | { kind: "probe" } | { kind: "defer"; until: number };

const MAX_TRANSITIONS = 20;

function transition(state: CircuitState, to: CircuitStatus, now: number, reason: string): CircuitState {
  const transitions = [...state.transitions, { at: now, from: state.status, to, reason }].slice(
    -MAX_TRANSITIONS,
  );
  return { ...state, status: to, transitions };
}

export function admitDelivery(
  state: CircuitState,
  policy: CircuitPolicy,
  now: number,
): { state: CircuitState; admission: Admission } {
  if (state.status === "closed") return { state, admission: { kind: "deliver" } };
  if (state.retryAt !== null && now < state.retryAt) {
    const until =
      state.status === "half_open" ? Math.min(state.retryAt, now + policy.probeRecheckMs) : state.retryAt;
    return { state, admission: { kind: "defer", until } };
  }
  // Open past its cooldown, or half-open with the probe presumed lost: send (another) probe.
  const reason = state.status === "open" ? "cooldown over: probing" : "probe unanswered: probing again";
  const probing = transition(state, "half_open", now, reason);
  return { state: { ...probing, retryAt: now + policy.probeTimeoutMs }, admission: { kind: "probe" } };
}

export interface AttemptCounts {
  successes: number;
  failures: number;
}

function addToWindow(
  state: CircuitState,
  policy: CircuitPolicy,
  now: number,
  counts: AttemptCounts,
): CircuitState["buckets"] {
  const width = Math.max(1, Math.floor(policy.windowMs / BUCKETS));
  const start = now - (now % width);
  const kept = state.buckets.filter((b) => b.start > now - policy.windowMs);
  const last = kept.at(-1);
  if (last && last.start === start) {
    return [
      ...kept.slice(0, -1),
      { start, successes: last.successes + counts.successes, failures: last.failures + counts.failures },
    ];
  }
  return [...kept, { start, ...counts }];
}

/**
 * Results of attempts against the endpoint. `probe` marks the result of the probe the circuit
 * let through; other results arriving while open (attempts already in flight) only count.
 */
export function recordAttempts(
  state: CircuitState,
  policy: CircuitPolicy,
  now: number,
  counts: AttemptCounts & { probe?: boolean },
): CircuitState {
  const buckets = addToWindow(state, policy, now, counts);
  let next: CircuitState = { ...state, buckets };
  if (next.status === "half_open" && counts.probe) {
    if (counts.failures === 0) {
      next = transition(next, "closed", now, "probe succeeded");
      return { ...next, buckets: [], openedAt: null, retryAt: null, cooldownMs: policy.openMs };
    }
    const cooldownMs = Math.min(next.cooldownMs * 2, policy.maxOpenMs);
    next = transition(next, "open", now, "probe failed");
    return { ...next, retryAt: now + cooldownMs, cooldownMs };
  }
  if (next.status !== "closed") return next;
  const failures = buckets.reduce((n, b) => n + b.failures, 0);
  const total = failures + buckets.reduce((n, b) => n + b.successes, 0);
  if (failures >= policy.minFailures && failures / total >= policy.failureRatio) {
    const windowSeconds = Math.round(policy.windowMs / 1000);
    next = transition(next, "open", now, `${failures} of ${total} attempts failed in ${windowSeconds} s`);
    return { ...next, openedAt: now, retryAt: now + next.cooldownMs };
  }
  return next;
}

/** The breaker's view of one attempt: a retryable failure means the endpoint is struggling. */
export function endpointFailed(httpStatus: number | null): boolean {
  return classifyDelivery(httpStatus) === "retryable";
}
