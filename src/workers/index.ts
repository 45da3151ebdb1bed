import type { CampaignMessage } from "../lib/journeys/campaign-plan";
import type { GenerationMessage } from "../lib/recurrence/generation-batches";
import type { ExecutionMessage } from "../lib/schedules/delivery";
import { buildApi } from "./api";
import { consumeCampaignWork } from "./campaigns/fan-out";
import { consumeGeneration } from "./cron/patterns";
import { runScheduledMaintenance } from "./cron/scheduled";
import type { Env } from "./env";
import { consumeExecutions } from "./executor/consumer";

export { CampaignThrottle } from "../durable-objects/campaign-throttle";
export { EndpointCircuit } from "../durable-objects/endpoint-circuit";
export { TenantRateLimiter } from "../durable-objects/tenant-rate-limiter";
export { UserScheduler } from "../durable-objects/user-scheduler";

const api = buildApi();
/** wrangler.toml: the queue recurring-pattern generation is fanned out through. */
const GENERATION_QUEUE = "pattern-generation";
/** wrangler.toml: the queue campaign chunks are fanned out, paused, resumed and cancelled through. */
const CAMPAIGN_QUEUE = "campaign-work";

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  queue: (batch, env, ctx) => {
    if (batch.queue === GENERATION_QUEUE)
      return consumeGeneration(batch as MessageBatch<GenerationMessage>, env);
    if (batch.queue === CAMPAIGN_QUEUE)
      return consumeCampaignWork(batch as MessageBatch<CampaignMessage>, env);
    return consumeExecutions(batch as MessageBatch<ExecutionMessage>, env, ctx);
  },
  scheduled: (controller, env) => runScheduledMaintenance(controller, env),
} satisfies ExportedHandler<Env, ExecutionMessage | GenerationMessage | CampaignMessage>;
