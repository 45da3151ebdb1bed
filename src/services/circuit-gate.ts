import type { CircuitVerdict } from "../durable-objects/endpoint-circuit";
import type { AttemptCounts } from "../lib/retry/circuit-breaker";
import type { Env } from "../workers/env";

export interface Gate {
  /** How many of the group's attempts may go now (the rest wait until `deferUntil`). */
  deliver: number;
  /** The one attempt let through is the circuit's probe: report its result at once. */
  probe: boolean;
  deferUntil: number;
}

/** Spread deferred attempts a little so that they do not all come back in the same millisecond. */
const jitter = () => Math.floor(Math.random() * 2000);

/**
 * The last verdict heard per tenant, shared by every deliverer in the isolate (user objects and the
 * Queue consumer). Plain data only: a promise started by one object must not be awaited by another.
 */
const verdicts = new Map<string, CircuitVerdict>();

/**
 * Attempt counts not yet reported, per tenant, summed over every deliverer in the isolate; and
 * whether one of them is reporting (with when it began: a reporter that died leaves no lock).
 * Whoever finds no report under way sends the sums and goes round while more arrived; the others
 * only add theirs. Plain data too, so one report is in flight per tenant and isolate.
 */
const unreported = new Map<string, AttemptCounts & { reportingSince: number | null }>();
const REPORT_LOCK_MS = 5_000;

/**
 * A deliverer's side of a tenant endpoint's circuit breaker. The EndpointCircuit object decides;
 * the isolate remembers the last verdict heard, so a closed circuit costs no round trip before
 * delivering and an open one sheds load without asking until its cooldown ends. The first
 * deliverer of a tenant in an isolate asks; the others meanwhile deliver as if it were closed.
 */
export class CircuitGate {
  constructor(private readonly env: Env) {}

  #circuit(tenantId: string) {
    return this.env.ENDPOINT_CIRCUIT.get(this.env.ENDPOINT_CIRCUIT.idFromName(tenantId));
  }

  async admit(tenantId: string, count: number): Promise<Gate> {
    const known = verdicts.get(tenantId);
    const now = Date.now();
    if (known?.status === "closed") return { deliver: count, probe: false, deferUntil: 0 };
    if (!known) verdicts.set(tenantId, { status: "closed", retryAt: null });
    else if (known.status === "open" && known.retryAt !== null && now < known.retryAt) {
      return { deliver: 0, probe: false, deferUntil: known.retryAt + jitter() };
    }
    try {
      const { admission, ...verdict } = await this.#circuit(tenantId).admit(tenantId);
      verdicts.set(tenantId, verdict);
      if (admission.kind === "deliver") return { deliver: count, probe: false, deferUntil: 0 };
      if (admission.kind === "probe") return { deliver: 1, probe: true, deferUntil: now + jitter() };
      return { deliver: 0, probe: false, deferUntil: admission.until + jitter() };
    } catch (error) {
      // The breaker protects the tenant's endpoint; it must never stop delivery by failing itself.
      console.error(
        JSON.stringify({ msg: "circuit unavailable: delivering", tenantId, error: String(error) }),
      );
      return { deliver: count, probe: false, deferUntil: 0 };
    }
  }

  /**
   * Report a batch's results. Counts arriving while a report is in flight are added up and sent
   * by the reporter's next round, so a busy isolate sends one report at a time per tenant. Never
   * rejects: a breaker that cannot be told only learns later.
   */
  async report(tenantId: string, counts: AttemptCounts, probe: boolean): Promise<void> {
    if (probe) {
      try {
        verdicts.set(tenantId, await this.#circuit(tenantId).record(tenantId, { ...counts, probe: true }));
      } catch (error) {
        this.#reportFailed(tenantId, error);
      }
      return;
    }
    let entry = unreported.get(tenantId);
    if (!entry) {
      entry = { successes: 0, failures: 0, reportingSince: null };
      unreported.set(tenantId, entry);
    }
    entry.successes += counts.successes;
    entry.failures += counts.failures;
    const now = Date.now();
    if (entry.reportingSince !== null && now - entry.reportingSince < REPORT_LOCK_MS) return;
    entry.reportingSince = now;
    try {
      while (entry.successes + entry.failures > 0) {
        const sums = { successes: entry.successes, failures: entry.failures };
        entry.successes = 0;
        entry.failures = 0;
        verdicts.set(tenantId, await this.#circuit(tenantId).record(tenantId, sums));
      }
    } catch (error) {
      this.#reportFailed(tenantId, error);
    } finally {
      entry.reportingSince = null;
    }
  }

  #reportFailed(tenantId: string, error: unknown): void {
    console.error(JSON.stringify({ msg: "circuit report failed", tenantId, error: String(error) }));
  }
}
