import type { CampaignThrottle } from "../durable-objects/campaign-throttle";
import type { EndpointCircuit } from "../durable-objects/endpoint-circuit";
import type { TenantRateLimiter } from "../durable-objects/tenant-rate-limiter";
import type { UserScheduler } from "../durable-objects/user-scheduler";
import type { CampaignMessage } from "../lib/journeys/campaign-plan";
import type { GenerationMessage } from "../lib/recurrence/generation-batches";
import type { ExecutionMessage } from "../lib/schedules/delivery";

/** The Worker's bindings, written once (wrangler.toml declares the same names). */
export interface Env {
  DB: D1Database;
  USER_SCHEDULER: DurableObjectNamespace<UserScheduler>;
  ENDPOINT_CIRCUIT: DurableObjectNamespace<EndpointCircuit>;
  EXECUTIONS: Queue<ExecutionMessage>;
  GENERATION: Queue<GenerationMessage>;
  CAMPAIGNS: Queue<CampaignMessage>;
  CAMPAIGN_THROTTLE: DurableObjectNamespace<CampaignThrottle>;
  TENANT_RATE_LIMITER: DurableObjectNamespace<TenantRateLimiter>;
  /** Secret: operator token for POST /v1/admin/tenants. */
  ADMIN_TOKEN?: string;
  /** Secret: comma-separated key list for encryption at rest (used from the execution issue on). */
  ENCRYPTION_KEYS?: string;
  /** Optional secret protecting GET /metrics. */
  METRICS_TOKEN?: string;
  EXECUTION_LEASE_MS?: string;
  WEBHOOK_TIMEOUT_MS?: string;
  /** Claims up to this many attempts are delivered by the user's object; larger ones by the Queue. */
  DIRECT_DELIVERY_MAX?: string;
  ALLOW_PRIVATE_WEBHOOK_TARGETS?: string;
  /** Optional Workers AI binding: a second opinion on send times (see src/workers/optimizer/ai.ts). */
  AI?: unknown;
  AI_MODEL?: string;
  AI_TIMEOUT_MS?: string;
  AI_MIN_CONFIDENCE?: string;
  CIRCUIT_MIN_FAILURES?: string;
  CIRCUIT_OPEN_MS?: string;
  CAMPAIGN_FANOUT_CONCURRENCY?: string;
  FANOUT_PAUSE_EVERY?: string;
  FANOUT_PAUSE_MS?: string;
  /** Every tenant's API budget unless it sets its own (rateLimit); "0" turns the limit off. */
  API_RATE_LIMIT_PER_SECOND?: string;
  API_RATE_LIMIT_BURST?: string;
}

type WorkerBindings = Env;

declare global {
  namespace Cloudflare {
    interface Env extends WorkerBindings {}
  }
}

export function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * How a long run of calls to user objects (a campaign chunk, a pattern generation chunk) leaves the
 * rest of the process room: after FANOUT_PAUSE_EVERY objects all lanes rest FANOUT_PAUSE_MS
 * together (see forEachConcurrently; 0 objects: never).
 */
export function fanOutPause(env: Env): { pause?: { every: number; ms: number } } {
  const every = numberVar(env.FANOUT_PAUSE_EVERY, 16);
  return every > 0 ? { pause: { every, ms: numberVar(env.FANOUT_PAUSE_MS, 32) } } : {};
}
