import { forEachConcurrently } from "../../lib/concurrency";
import { endpointFailed } from "../../lib/retry/circuit-breaker";
import {
  chunkForQueue,
  type DeliveryAttempt,
  type DeliveryTarget,
  type ExecutionMessage,
} from "../../lib/schedules/delivery";
import type { CircuitGate } from "../../services/circuit-gate";
import { openTarget, postWebhook } from "../../services/webhook-delivery";
import { type Env, numberVar } from "../../workers/env";
import type { AttemptReports } from "./attempt-reports";
import type { TargetCache } from "./target-cache";

/**
 * Claims up to this many attempts are delivered by the object itself; larger ones go through the
 * Queue, whose consumers run in parallel. Reasoned, not yet measured: six at a time, a claim of 50
 * takes about nine round trips of the tenant's endpoint (sweep it with bench:firing --var).
 */
export const DIRECT_DELIVERY_MAX = 50;
/** Workers allow six open connections per invocation. */
const CONNECTIONS = 6;

/**
 * How the alarm's claimed attempts reach the tenant. A small claim is signed and POSTed here, a
 * few at a time, and each outcome recorded in the same object with no round trip; a large one is
 * handed to the Queue in batches sized in bytes. What it depends on failing (D1 for a target never
 * seen, the Queue) defers the attempts with backoff, uncounted: never a retry used, never a failure.
 */
export class Dispatcher {
  /** Consecutive dependency failures: the backoff before the next try grows with them. */
  #dependencyFailures = 0;

  constructor(
    private readonly env: Env,
    private readonly reports: AttemptReports,
    private readonly targets: () => TargetCache,
    private readonly gate: CircuitGate,
  ) {}

  async dispatch(owner: { tenantId: string; userId: string }, attempts: DeliveryAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    const lookup = await this.targets().current(Date.now());
    if (lookup.kind === "unknown") {
      this.#deferForDependency(attempts, "no delivery target known and D1 unavailable");
      return;
    }
    if (lookup.kind === "gone") {
      for (const attempt of attempts) {
        const now = Date.now();
        this.reports.outcome(owner.userId, {
          ...idsOf(attempt),
          httpStatus: null,
          error: "tenant no longer exists",
          startedAt: now,
          finishedAt: now,
        });
      }
      return;
    }
    const maxDirect = numberVar(this.env.DIRECT_DELIVERY_MAX, DIRECT_DELIVERY_MAX);
    if (attempts.length <= maxDirect) await this.#deliverHere(owner, lookup.target, attempts);
    else await this.#handToQueue(owner, lookup.target, attempts);
    await this.targets().refreshIfStale(Date.now());
  }

  async #deliverHere(
    owner: { tenantId: string; userId: string },
    target: DeliveryTarget,
    attempts: DeliveryAttempt[],
  ) {
    const open = await openTarget(
      this.env.ENCRYPTION_KEYS,
      owner.tenantId,
      target,
      numberVar(this.env.WEBHOOK_TIMEOUT_MS, 10_000),
    );
    const gate = await this.gate.admit(owner.tenantId, attempts.length);
    for (const attempt of attempts.slice(gate.deliver)) {
      this.reports.defer({ ...idsOf(attempt), until: gate.deferUntil });
    }
    const counts = { successes: 0, failures: 0 };
    await forEachConcurrently(attempts.slice(0, gate.deliver), CONNECTIONS, async (attempt) => {
      const outcome = await postWebhook(open, attempt);
      this.reports.outcome(owner.userId, outcome);
      if (endpointFailed(outcome.httpStatus)) counts.failures++;
      else counts.successes++;
    });
    this.#dependencyFailures = 0;
    if (counts.successes + counts.failures > 0) await this.gate.report(owner.tenantId, counts, gate.probe);
  }

  /** Batches the Queue refused are deferred; the ones it took stay leased to their consumers. */
  async #handToQueue(
    owner: { tenantId: string; userId: string },
    target: DeliveryTarget,
    attempts: DeliveryAttempt[],
  ) {
    const messages: ExecutionMessage[] = attempts.map((a) => ({ ...owner, ...a, target }));
    const chunks = chunkForQueue(messages);
    for (const [i, chunk] of chunks.entries()) {
      try {
        await this.env.EXECUTIONS.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
      } catch (error) {
        this.#deferForDependency(chunks.slice(i).flat(), `Queue send failed: ${String(error)}`);
        return;
      }
    }
    this.#dependencyFailures = 0;
  }

  #deferForDependency(attempts: DeliveryAttempt[], reason: string): void {
    const delay = Math.min(60_000, 1_000 * 2 ** this.#dependencyFailures) + Math.floor(Math.random() * 500);
    this.#dependencyFailures++;
    console.error(
      JSON.stringify({ msg: "delivery deferred", reason, attempts: attempts.length, delayMs: delay }),
    );
    const until = Date.now() + delay;
    for (const attempt of attempts) this.reports.defer({ ...idsOf(attempt), until });
  }
}

function idsOf(attempt: DeliveryAttempt) {
  return { scheduleId: attempt.scheduleId, executionId: attempt.executionId, attempt: attempt.attempt };
}
