import type { Owner } from "../../durable-objects/user-scheduler";
import { ApiError } from "../../lib/errors";
import { userIdFromScheduleId } from "../../lib/ids";
import type {
  CommandFailure,
  CreateResult,
  CreateScheduleCommand,
  TenantDefaults,
} from "../../lib/schedules/commands";
import { DEFAULT_RETRY_CONFIG, priorityValue, type RetryConfig } from "../../lib/schedules/model";
import { deliveryTargetOf } from "../../services/delivery-target";
import type { Env } from "../env";
import type { Caller, TenantRecord } from "./context";
import type { CreateScheduleBody } from "./routes/schedules/schema";

/** The user's object: named `<tenantId>:<userId>` (invariant 4: every name starts with the tenant). */
export function userScheduler(env: Env, owner: Owner) {
  return env.USER_SCHEDULER.get(env.USER_SCHEDULER.idFromName(`${owner.tenantId}:${owner.userId}`));
}

/** The owner of a schedule id within the caller's tenant; an id that names no user is a 404. */
export function ownerOfSchedule(caller: Caller, scheduleId: string): Owner {
  const userId = userIdFromScheduleId(scheduleId);
  if (!userId) throw new ApiError("not_found", `no schedule ${scheduleId}`);
  return { tenantId: caller.tenantId, userId };
}

/**
 * Create schedules in one user's object. RPC hands back a structured clone of exactly this shape;
 * the explicit type spares callers the runtime's deeply recursive Rpc result types.
 */
export async function createSchedulesFor(
  env: Env,
  owner: Owner,
  commands: CreateScheduleCommand[],
  tenant: TenantDefaults,
): Promise<CreateResult[]> {
  return userScheduler(env, owner).createSchedules(owner, commands, tenant);
}

/** The tenant's part of planning a schedule's time. */
export function tenantDefaults(tenant: TenantRecord): TenantDefaults {
  return {
    timezone: tenant.defaultTimezone,
    businessHours: tenant.settings.businessHours ?? null,
    holidayCountry: tenant.settings.holidayCountry ?? null,
    maxPerUserPerDay: tenant.settings.maxPerUserPerDay ?? null,
    explorationShare: tenant.settings.explorationShare ?? null,
    delivery: deliveryTargetOf(tenant),
  };
}

export function failureToError(failure: CommandFailure): ApiError {
  return new ApiError(failure.code, failure.detail, failure.errors);
}

export function unwrap<R extends { ok: true } | CommandFailure>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw failureToError(result as CommandFailure);
  return result as Extract<R, { ok: true }>;
}

/** A create body as a command; a schedule without retryConfig takes the tenant's, else the service's. */
export function toCreateCommand(
  body: CreateScheduleBody,
  idempotencyKey: string | null,
  tenantRetryConfig: RetryConfig | null | undefined,
): CreateScheduleCommand {
  return {
    notificationId: body.notificationId,
    scheduledTime: body.scheduledTime!,
    timezone: body.timezone,
    priority: priorityValue(body.priority),
    retryConfig: body.retryConfig ?? tenantRetryConfig ?? DEFAULT_RETRY_CONFIG,
    payload: body.payload ?? {},
    metadata: body.metadata ?? {},
    idempotencyKey,
    businessHoursOnly: body.businessHoursOnly,
    respectQuietHours: body.respectQuietHours,
  };
}
