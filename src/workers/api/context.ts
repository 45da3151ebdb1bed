import type { RetryConfig } from "../../lib/schedules/model";
import type { Env } from "../env";

export const ROLES = ["viewer", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface TenantSettings {
  businessHours?: { days: number[]; start: string; end: string } | null;
  holidayCountry?: string | null;
  webhookTimeoutMs?: number | null;
  /** Used by schedules that name no retryConfig of their own (else the service default). */
  retryConfig?: RetryConfig | null;
  /** Frequency cap for optimized sends: at most this many schedules per user within any 24 h. */
  maxPerUserPerDay?: number | null;
  /** Share of optimized sends placed at a random allowed time (exploration). */
  explorationShare?: number | null;
  /** The tenant's own API budget (else the deployment's, API_RATE_LIMIT_*). */
  rateLimit?: { requestsPerSecond: number; burst: number } | null;
}

export interface TenantRecord {
  id: string;
  name: string;
  webhookUrl: string;
  webhookSecret: string;
  defaultTimezone: string;
  settings: TenantSettings;
  createdAt: number;
  updatedAt: number;
}

/** Who is calling: resolved once per request by the auth middleware. */
export interface Caller {
  tenantId: string;
  keyId: string;
  role: Role;
  tenant: TenantRecord;
}

export type AppEnv = {
  Bindings: Env;
  Variables: { caller: Caller; requestId: string };
};
