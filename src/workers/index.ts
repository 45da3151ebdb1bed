import type { GenerationMessage } from "../lib/recurrence/generation-batches";
import type { ExecutionMessage } from "../lib/schedules/delivery";
import { buildApi } from "./api";
import { consumeGeneration } from "./cron/patterns";
import { runScheduledMaintenance } from "./cron/scheduled";
import type { Env } from "./env";
import { consumeExecutions } from "./executor/consumer";

export { EndpointCircuit } from "../durable-objects/endpoint-circuit";
export { UserScheduler } from "../durable-objects/user-scheduler";

const api = buildApi();
/** wrangler.toml: the queue recurring-pattern generation is fanned out through. */
const GENERATION_QUEUE = "pattern-generation";

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  queue: (batch, env, ctx) =>
    batch.queue === GENERATION_QUEUE
      ? consumeGeneration(batch as MessageBatch<GenerationMessage>, env)
      : consumeExecutions(batch as MessageBatch<ExecutionMessage>, env, ctx),
  scheduled: (controller, env) => runScheduledMaintenance(controller, env),
} satisfies ExportedHandler<Env, ExecutionMessage | GenerationMessage>;
