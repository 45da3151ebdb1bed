import { derivedScheduleId } from "../ids";
import type { JsonObject } from "../json";
import type { CreateScheduleCommand } from "../schedules/commands";
import type { RetryConfig } from "../schedules/model";
import { formatInstant } from "../time/zones";
import type { StoredCondition } from "./conditions";
import { cumulativeDueTimes, parseDelay } from "./timing";

/** A condition as clients write it; `phase`/`step` name an earlier message of the same journey. */
export type ConditionInput =
  | { type: "opened" | "not_opened"; phase?: string; step?: number }
  | { type: "event_seen" | "event_not_seen"; event: string };

export interface JourneyStep {
  delay: string;
  notificationId: string;
  payload: JsonObject;
  priority: number;
  conditions: ConditionInput[];
}

/** A drip as its enrollments need it (what the user's object gets from D1 through the Worker). */
export interface DripSpec {
  id: string;
  steps: JourneyStep[];
  exitOn: string[];
  reenroll: "never" | "after_completion";
  retryConfig: RetryConfig;
}

export function dripOrigin(dripId: string, seq: number): string {
  return `drip:${dripId}:${seq}`;
}

/**
 * Resolve conditions against the journey: `opened`/`not_opened` name an earlier step (or phase) by
 * its schedule id, event conditions count events from `since` (enrollment, campaign start, trigger).
 */
export function storedConditions(
  inputs: ConditionInput[],
  stepIds: string[],
  stepIndex: (c: { phase?: string; step?: number }) => number,
  since: number,
): StoredCondition[] {
  return inputs.map((c): StoredCondition => {
    if ("event" in c) return { type: c.type, event: c.event, since };
    const i = stepIndex(c);
    return {
      type: c.type,
      scheduleId: stepIds[i]!,
      label: c.phase !== undefined ? `phase "${c.phase}"` : `step ${i}`,
    };
  });
}

function stepDueTimes(drip: DripSpec, enrolledAt: number, zone: string): number[] {
  return cumulativeDueTimes(
    enrolledAt,
    drip.steps.map((s) => parseDelay(s.delay)!),
    zone,
  );
}

/** When an enrollment's last step is due (it counts as completed after that). */
export function dripEndsAt(drip: DripSpec, enrolledAt: number, zone: string): number {
  return stepDueTimes(drip, enrolledAt, zone).at(-1) ?? enrolledAt;
}

/** The schedules of one enrollment: derived ids, so a repeated enrollment request creates nothing twice. */
export async function dripEnrollmentCommands(
  drip: DripSpec,
  seq: number,
  userId: string,
  enrolledAt: number,
  zone: string,
): Promise<CreateScheduleCommand[]> {
  const origin = dripOrigin(drip.id, seq);
  const due = stepDueTimes(drip, enrolledAt, zone);
  const ids = await Promise.all(due.map((_, i) => derivedScheduleId(origin, userId, i)));
  return drip.steps.map(
    (step, i): CreateScheduleCommand => ({
      id: ids[i],
      notificationId: step.notificationId,
      scheduledTime: formatInstant(due[i]!),
      priority: step.priority,
      retryConfig: drip.retryConfig,
      payload: step.payload,
      metadata: { dripId: drip.id, step: i },
      origin,
      step: i,
      conditions: storedConditions(step.conditions, ids, (c) => c.step ?? 0, enrolledAt),
      allowPast: true,
    }),
  );
}
