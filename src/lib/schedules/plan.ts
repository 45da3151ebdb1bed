import type { FieldError } from "../errors";
import { firstLocalTimeAtOrAfter } from "../journeys/timing";
import {
  type BusinessHours,
  DEFAULT_BUSINESS_HOURS,
  nextAllowedInstant,
  type QuietHours,
} from "../time/calendar";
import { parseInstant, resolveLocalTime } from "../time/local-time";
import { isValidTimeZone } from "../time/zones";
import { MAX_HORIZON_MS, PAST_TOLERANCE_MS } from "./model";

export interface TimeDefaults {
  userTimezone: string | null;
  tenantTimezone: string | null;
  /** The tenant's business hours (businessHoursOnly); Monday–Friday 09:00–17:00 without. */
  businessHours?: BusinessHours | null;
  /** The user's quiet hours (respectQuietHours). */
  quietHours?: QuietHours | null;
  /** The user's holiday region, else the tenant's: no business hours on its holidays. */
  holidayRegion?: string | null;
}

export interface PlanOptions {
  /** Generated occurrences that fall behind (a late Cron Trigger) still fire, late, rather than never. */
  allowPast?: boolean;
  businessHoursOnly?: boolean;
  respectQuietHours?: boolean;
  /** `scheduledTime` is an instant; fire at the first wall-clock HH:MM at or after it (P1). */
  localTimeAtOrAfter?: string;
}

export interface PlannedTime {
  scheduledTime: number;
  timezone: string;
  adjusted: boolean;
  ambiguous: boolean;
}

export type PlanFailure = { code: "validation_error" | "scheduled_time_in_past"; errors: FieldError[] };

/** The zone a schedule is read in: its own, else the user's, else the tenant's, else UTC. */
export function effectiveTimezone(requested: string | undefined, defaults: TimeDefaults): string {
  return requested ?? defaults.userTimezone ?? defaults.tenantTimezone ?? "UTC";
}

/**
 * Turn a client's scheduledTime (an instant, or a wall-clock time read in the effective zone per
 * DESIGN P1) into an instant, refusing times over a minute in the past or over ten years ahead.
 */
export function planScheduledTime(
  scheduledTime: string,
  requestedZone: string | undefined,
  defaults: TimeDefaults,
  now: number,
  options: PlanOptions = {},
): PlannedTime | PlanFailure {
  const timezone = effectiveTimezone(requestedZone, defaults);
  if (!isValidTimeZone(timezone)) {
    return {
      code: "validation_error",
      errors: [{ path: "timezone", message: `unknown IANA timezone "${timezone}"` }],
    };
  }
  let epochMs = parseInstant(scheduledTime);
  let adjusted = false;
  let ambiguous = false;
  if (epochMs === null) {
    const resolved = resolveLocalTime(scheduledTime, timezone);
    if (!resolved) {
      return {
        code: "validation_error",
        errors: [
          {
            path: "scheduledTime",
            message:
              "must be an ISO 8601 date-time: an instant (with Z or an offset) or a local time without offset",
          },
        ],
      };
    }
    ({ epochMs, adjusted, ambiguous } = resolved);
  }
  if (options.localTimeAtOrAfter)
    epochMs = firstLocalTimeAtOrAfter(epochMs, options.localTimeAtOrAfter, timezone);
  if (options.businessHoursOnly || options.respectQuietHours) {
    const allowed = nextAllowedInstant(epochMs, {
      zone: timezone,
      businessHours: options.businessHoursOnly ? (defaults.businessHours ?? DEFAULT_BUSINESS_HOURS) : null,
      quietHours: options.respectQuietHours ? defaults.quietHours : null,
      holidayRegion: defaults.holidayRegion,
    });
    if (allowed === null) {
      return {
        code: "validation_error",
        errors: [
          {
            path: options.businessHoursOnly ? "businessHoursOnly" : "respectQuietHours",
            message: "no allowed time within a year: the user's quiet hours cover all business hours",
          },
        ],
      };
    }
    if (allowed !== epochMs) {
      epochMs = allowed;
      adjusted = true;
    }
  }
  if (epochMs < now - PAST_TOLERANCE_MS && !options.allowPast) {
    return {
      code: "scheduled_time_in_past",
      errors: [
        {
          path: "scheduledTime",
          message: `${new Date(epochMs).toISOString()} is more than 60 s in the past`,
        },
      ],
    };
  }
  if (epochMs > now + MAX_HORIZON_MS) {
    return {
      code: "validation_error",
      errors: [{ path: "scheduledTime", message: "is more than 10 years ahead" }],
    };
  }
  return { scheduledTime: epochMs, timezone, adjusted, ambiguous };
}

export function isPlanFailure(p: PlannedTime | PlanFailure): p is PlanFailure {
  return "code" in p;
}
