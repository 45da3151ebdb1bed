import { endpointFailed } from "../../lib/retry/circuit-breaker";
import type { ExecutionMessage } from "../../lib/schedules/delivery";
import { CircuitGate } from "../../services/circuit-gate";
import { userScheduler } from "../api/user-scheduler";
import { type Env, numberVar } from "../env";
import { deliverExecution } from "./deliver";

/**
 * The Queue consumer, for claims too large for their object to deliver itself: every message of a
 * batch is delivered concurrently and acknowledged on its own, so one slow or failing webhook never
 * holds back or re-sends its neighbours. D1 is not on this path: messages carry their target. A message whose
 * processing throws (the owning object unreachable) is retried by the Queue; once the Queue gives up
 * it arrives on the dead-letter queue, below. Each tenant's endpoint has a circuit breaker: while
 * it is open, attempts go back to their objects to wait, uncounted.
 */
export async function consumeExecutions(
  batch: MessageBatch<ExecutionMessage>,
  env: Env,
  ctx?: ExecutionContext,
): Promise<void> {
  if (batch.queue.endsWith("-dlq")) return consumeDeadLetters(batch, env);
  const current = await Promise.all(
    batch.messages.map((message) =>
      settle(message, async () => {
        if (await stillCurrent(env, message)) return message;
        message.ack();
        return null;
      }),
    ),
  );
  const byTenant = new Map<string, Message<ExecutionMessage>[]>();
  for (const message of current) {
    if (!message) continue;
    const group = byTenant.get(message.body.tenantId) ?? [];
    group.push(message);
    byTenant.set(message.body.tenantId, group);
  }
  await Promise.all(
    [...byTenant].map(([tenantId, messages]) => deliverToTenant(env, tenantId, messages, ctx)),
  );
}

/** One circuit gate per isolate: its verdicts and pending counts serve every batch it consumes. */
let isolateGate: CircuitGate | null = null;
function gateOf(env: Env): CircuitGate {
  isolateGate ??= new CircuitGate(env);
  return isolateGate;
}

async function deliverToTenant(
  env: Env,
  tenantId: string,
  messages: Message<ExecutionMessage>[],
  ctx?: ExecutionContext,
): Promise<void> {
  const gate = await gateOf(env).admit(tenantId, messages.length);
  const admitted = messages.slice(0, gate.deliver);
  const deferred = messages.slice(gate.deliver);
  const counts = { successes: 0, failures: 0 };
  await Promise.all([
    ...admitted.map((message) =>
      settle(message, async () => {
        const outcome = await deliverExecution(env, message.body);
        if (endpointFailed(outcome.httpStatus)) counts.failures++;
        else counts.successes++;
        message.ack();
      }),
    ),
    ...deferred.map((message) =>
      settle(message, async () => {
        const { tenantId, userId, scheduleId, executionId, attempt } = message.body;
        const owner = { tenantId, userId };
        await userScheduler(env, owner).deferAttempt(owner, {
          scheduleId,
          executionId,
          attempt,
          until: gate.deferUntil,
        });
        message.ack();
      }),
    ),
  ]);
  if (deferred.length > 0) {
    console.log(
      JSON.stringify({
        msg: "endpoint circuit open: attempts deferred",
        tenantId,
        deferred: deferred.length,
        until: new Date(gate.deferUntil).toISOString(),
      }),
    );
  }
  if (counts.successes + counts.failures === 0) return;
  const report = gateOf(env).report(tenantId, counts, gate.probe);
  // A probe's result decides when the endpoint gets traffic again: report it before finishing.
  if (gate.probe || !ctx) await report;
  else ctx.waitUntil(report);
}

/** Run one message's step; if it throws, the Queue retries the message with backoff. */
async function settle<T>(message: Message<ExecutionMessage>, step: () => Promise<T>): Promise<T | null> {
  try {
    return await step();
  } catch (error) {
    console.error(
      JSON.stringify({
        msg: "delivery processing failed",
        scheduleId: message.body.scheduleId,
        error: String(error),
      }),
    );
    message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    return null;
  }
}

/**
 * A message that waited more than half a lease in the Queue may have been superseded: the object
 * re-sends attempts whose lease ran out. Ask it (renewing the lease if still current); fresh
 * messages, the normal case, skip the round trip.
 */
async function stillCurrent(env: Env, message: Message<ExecutionMessage>): Promise<boolean> {
  const waited = Date.now() - message.timestamp.getTime();
  if (waited < numberVar(env.EXECUTION_LEASE_MS, 120_000) / 2) return true;
  const { tenantId, userId, scheduleId, executionId, attempt } = message.body;
  const owner = { tenantId, userId };
  return userScheduler(env, owner).renewLease(owner, { scheduleId, executionId, attempt });
}

/**
 * Messages the Queue gave up on (the consumer threw on every try) are failures too: the schedule
 * becomes failed with that reason and its object writes the dead letter, never silence.
 */
async function consumeDeadLetters(batch: MessageBatch<ExecutionMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const { tenantId, userId, scheduleId, executionId, attempt } = message.body;
      try {
        const owner = { tenantId, userId };
        await userScheduler(env, owner).markUndeliverable(owner, {
          scheduleId,
          executionId,
          attempt,
          reason: "the executor could not process this attempt (Queue dead-letter)",
        });
        message.ack();
      } catch (error) {
        console.error(
          JSON.stringify({ msg: "dead-letter processing failed", scheduleId, error: String(error) }),
        );
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
}
