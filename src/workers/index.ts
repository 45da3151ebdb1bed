import type { ExecutionMessage } from "../lib/schedules/delivery";
import { buildApi } from "./api";
import { runScheduledMaintenance } from "./cron/scheduled";
import type { Env } from "./env";
import { consumeExecutions } from "./executor/consumer";

export { EndpointCircuit } from "../durable-objects/endpoint-circuit";
export { UserScheduler } from "../durable-objects/user-scheduler";

const api = buildApi();

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  queue: (batch, env, ctx) => consumeExecutions(batch, env, ctx),
  scheduled: (controller, env) => runScheduledMaintenance(controller, env),
} satisfies ExportedHandler<Env, ExecutionMessage>;
