import type { CircuitVerdict } from "../../durable-objects/endpoint-circuit";
import type { AttemptCounts } from "../../lib/retry/circuit-breaker";
import type { Env } from "../env";

/**
 * The consumer's side of a tenant endpoint's circuit breaker. The EndpointCircuit object decides;
 * each isolate remembers the last verdict it heard, so a closed circuit costs no round trip
 * before delivering and an open one sheds load without asking until its cooldown ends.
 */
const verdicts = new Map<string, CircuitVerdict>();

function circuitOf(env: Env, tenantId: string) {
  return env.ENDPOINT_CIRCUIT.get(env.ENDPOINT_CIRCUIT.idFromName(tenantId));
}

export interface Gate {
  /** How many of the group's attempts may go now (the rest wait until `deferUntil`). */
  deliver: number;
  /** The one attempt let through is the circuit's probe: report its result at once. */
  probe: boolean;
  deferUntil: number;
}

/** Spread deferred attempts a little so that they do not all come back in the same millisecond. */
const jitter = () => Math.floor(Math.random() * 2000);

export async function gateAttempts(env: Env, tenantId: string, count: number): Promise<Gate> {
  const known = verdicts.get(tenantId);
  const now = Date.now();
  if (!known || known.status === "closed") return { deliver: count, probe: false, deferUntil: 0 };
  if (known.status === "open" && known.retryAt !== null && now < known.retryAt) {
    return { deliver: 0, probe: false, deferUntil: known.retryAt + jitter() };
  }
  try {
    const { admission, ...verdict } = await circuitOf(env, tenantId).admit(tenantId);
    verdicts.set(tenantId, verdict);
    if (admission.kind === "deliver") return { deliver: count, probe: false, deferUntil: 0 };
    if (admission.kind === "probe") return { deliver: 1, probe: true, deferUntil: now + jitter() };
    return { deliver: 0, probe: false, deferUntil: admission.until + jitter() };
  } catch (error) {
    // The breaker protects the tenant's endpoint; it must never stop delivery by failing itself.
    console.error(JSON.stringify({ msg: "circuit unavailable: delivering", tenantId, error: String(error) }));
    return { deliver: count, probe: false, deferUntil: 0 };
  }
}

interface PendingCounts extends AttemptCounts {
  flushing: Promise<void> | null;
}
const pending = new Map<string, PendingCounts>();

/**
 * Report a batch's results. Batches finishing while a report is in flight are added up and sent
 * together by the next one, so a busy isolate sends one report at a time per tenant.
 */
export function reportAttempts(
  env: Env,
  tenantId: string,
  counts: AttemptCounts,
  probe: boolean,
): Promise<void> {
  if (probe) {
    return circuitOf(env, tenantId)
      .record(tenantId, { ...counts, probe: true })
      .then((verdict) => void verdicts.set(tenantId, verdict));
  }
  let entry = pending.get(tenantId);
  if (!entry) {
    entry = { successes: 0, failures: 0, flushing: null };
    pending.set(tenantId, entry);
  }
  entry.successes += counts.successes;
  entry.failures += counts.failures;
  entry.flushing ??= flush(env, tenantId, entry);
  return entry.flushing;
}

async function flush(env: Env, tenantId: string, entry: PendingCounts): Promise<void> {
  try {
    while (entry.successes + entry.failures > 0) {
      const counts = { successes: entry.successes, failures: entry.failures };
      entry.successes = 0;
      entry.failures = 0;
      verdicts.set(tenantId, await circuitOf(env, tenantId).record(tenantId, counts));
    }
  } catch (error) {
    console.error(JSON.stringify({ msg: "circuit report failed", tenantId, error: String(error) }));
  } finally {
    entry.flushing = null;
  }
}
