import { DurableObject } from "cloudflare:workers";
import {
  type Admission,
  type AttemptCounts,
  admitDelivery,
  type CircuitPolicy,
  type CircuitState,
  type CircuitStatus,
  closedCircuit,
  DEFAULT_CIRCUIT_POLICY,
  recordAttempts,
} from "../lib/retry/circuit-breaker";
import { tenantStore } from "../workers/db/tenant-store";
import { type Env, numberVar } from "../workers/env";

/** What a consumer learns from the circuit (and caches until `retryAt` or a few seconds). */
export interface CircuitVerdict {
  status: CircuitStatus;
  retryAt: number | null;
}

/**
 * One object per tenant endpoint: the only place its circuit state lives, so that every consumer
 * isolate sees the same verdict. Consumers report attempt counts per batch and ask it only when
 * their cached verdict is not "closed", so a healthy endpoint costs one report per batch.
 */
export class EndpointCircuit extends DurableObject<Env> {
  readonly #policy: CircuitPolicy;
  #state: CircuitState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#policy = {
      ...DEFAULT_CIRCUIT_POLICY,
      minFailures: numberVar(env.CIRCUIT_MIN_FAILURES, DEFAULT_CIRCUIT_POLICY.minFailures),
      openMs: numberVar(env.CIRCUIT_OPEN_MS, DEFAULT_CIRCUIT_POLICY.openMs),
    };
    this.#state = ctx.storage.kv.get<CircuitState>("state") ?? closedCircuit(this.#policy);
  }

  /** May attempts go now? Open past its cooldown lets exactly one caller probe. */
  async admit(tenantId: string): Promise<CircuitVerdict & { admission: Admission }> {
    const { state, admission } = admitDelivery(this.#state, this.#policy, Date.now());
    await this.#save(tenantId, state);
    return { ...this.#verdict(), admission };
  }

  async record(tenantId: string, counts: AttemptCounts & { probe?: boolean }): Promise<CircuitVerdict> {
    await this.#save(tenantId, recordAttempts(this.#state, this.#policy, Date.now(), counts));
    return this.#verdict();
  }

  async snapshot(): Promise<CircuitState> {
    return this.#state;
  }

  #verdict(): CircuitVerdict {
    return { status: this.#state.status, retryAt: this.#state.retryAt };
  }

  /** Persist; on a transition also log it and publish it to D1 for /health and GET /v1/tenant. */
  async #save(tenantId: string, next: CircuitState): Promise<void> {
    const changed = next.transitions.length > 0 && next.transitions.at(-1) !== this.#state.transitions.at(-1);
    this.#state = next;
    this.ctx.storage.kv.put("state", next);
    if (!changed) return;
    const last = next.transitions.at(-1)!;
    console.log(
      JSON.stringify({ msg: "endpoint circuit transition", tenantId, ...last, retryAt: next.retryAt }),
    );
    try {
      await tenantStore(this.env.DB, tenantId).recordCircuit({
        status: next.status,
        reason: last.reason,
        openedAt: next.openedAt,
        retryAt: next.retryAt,
        changedAt: last.at,
      });
    } catch (error) {
      // The breaker works without D1; only its visibility in /health lags.
      console.error(JSON.stringify({ msg: "circuit publish failed", tenantId, error: String(error) }));
    }
  }
}
