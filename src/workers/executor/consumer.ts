import type { ExecutionMessage } from "../../lib/schedules/delivery";
import type { Env } from "../env";
import { deliverExecution } from "./deliver";

/**
 * The Queue consumer: every message of a batch is delivered concurrently and acknowledged on its
 * own, so one slow or failing webhook never holds back or re-sends its neighbours. A message whose
 * processing throws (the owning object unreachable) is retried by the Queue; its schedule's lease
 * protects it if the Queue gives up.
 */
export async function consumeExecutions(
  batch: MessageBatch<ExecutionMessage>,
  env: Env,
  ctx?: ExecutionContext,
): Promise<void> {
  if (batch.queue.endsWith("-dlq")) {
    for (const message of batch.messages) {
      // Dead-letter handling (a D1 dead-letter row) belongs to the execution-reliability work; until
      // then the lease re-sends the schedule and this log keeps the failure visible.
      console.error(
        JSON.stringify({ msg: "execution message dead-lettered", ...message.body, body: undefined }),
      );
      message.ack();
    }
    return;
  }
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
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
