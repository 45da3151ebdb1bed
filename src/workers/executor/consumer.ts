import type { ExecutionMessage } from "../../lib/schedules/delivery";
import { userScheduler } from "../api/user-scheduler";
import { type Env, numberVar } from "../env";
import { deliverExecution, recordDeadLetter } from "./deliver";

/**
 * The Queue consumer: every message of a batch is delivered concurrently and acknowledged on its
 * own, so one slow or failing webhook never holds back or re-sends its neighbours. A message whose
 * processing throws (the owning object unreachable) is retried by the Queue; once the Queue gives up
 * it arrives on the dead-letter queue, below.
 */
export async function consumeExecutions(
  batch: MessageBatch<ExecutionMessage>,
  env: Env,
  ctx?: ExecutionContext,
): Promise<void> {
  if (batch.queue.endsWith("-dlq")) return consumeDeadLetters(batch, env);
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        if (!(await stillCurrent(env, message))) {
          message.ack();
          return;
        }
        await deliverExecution(env, message.body, ctx);
        message.ack();
      } catch (error) {
        console.error(
          JSON.stringify({
            msg: "delivery processing failed",
            scheduleId: message.body.scheduleId,
            error: String(error),
          }),
        );
        message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
      }
    }),
  );
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
 * becomes failed with that reason and a dead letter is written, never silence.
 */
async function consumeDeadLetters(batch: MessageBatch<ExecutionMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const { tenantId, userId, scheduleId, executionId, attempt } = message.body;
      try {
        const owner = { tenantId, userId };
        const receipt = await userScheduler(env, owner).markUndeliverable(owner, {
          scheduleId,
          executionId,
          attempt,
          reason: "the executor could not process this attempt (Queue dead-letter)",
        });
        await recordDeadLetter(env, tenantId, receipt);
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
