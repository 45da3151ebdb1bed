import type { DeliveryOutcome, ExecutionMessage } from "../../lib/schedules/delivery";
import { openTarget, postWebhook } from "../../services/webhook-delivery";
import { userScheduler } from "../api/user-scheduler";
import { type Env, numberVar } from "../env";

/**
 * One attempt the Queue carried (a claim too large for its object to deliver itself): a signed
 * POST to the target the message names, its outcome reported to the owning object. No D1 read:
 * the message holds the target, and the object writes index rows and dead letters itself.
 */
export async function deliverExecution(env: Env, message: ExecutionMessage): Promise<DeliveryOutcome> {
  const owner = { tenantId: message.tenantId, userId: message.userId };
  const target = await openTarget(
    env.ENCRYPTION_KEYS,
    message.tenantId,
    message.target,
    numberVar(env.WEBHOOK_TIMEOUT_MS, 10_000),
  );
  const outcome = await postWebhook(target, message);
  await userScheduler(env, owner).recordDeliveryOutcome(owner, outcome);
  return outcome;
}
