import { derivedScheduleId } from "../ids";
import type { JsonObject } from "../json";
import type { CreateScheduleCommand } from "../schedules/commands";
import type { RetryConfig } from "../schedules/model";
import { formatInstant } from "../time/zones";
import { type ConditionInput, storedConditions } from "./drips";
import { cumulativeDueTimes, inSample, parseDelay } from "./timing";

/** A campaign as D1 stores it (`definition`), with the payloads kept apart (sealed). */
export interface CampaignDefinition {
  timezone: string;
  startAt: number;
  endAt: number | null;
  phases: {
    name: string;
    delay: string;
    notificationId: string;
    priority: number;
    targetPercentage: number;
    conditions: ConditionInput[];
  }[];
  rules: {
    localTime?: string;
    optimizeSendTime?: boolean;
    respectQuietHours?: boolean;
    throttlePerMinute?: number;
  };
}

/**
 * One unit of campaign work on the Queue: a chunk of the audience to fan out, or to bring in line
 * with the campaign's status ("sync": paused → pause its schedules, cancelled → cancel them,
 * scheduled or running → resume them).
 */
export interface CampaignMessage {
  kind: "campaign";
  action: "fan-out" | "sync";
  tenantId: string;
  campaignId: string;
  seq: number;
}

/** When each phase is due (before each recipient's localTime and quiet hours are applied). */
export function phaseDueTimes(def: CampaignDefinition): number[] {
  return cumulativeDueTimes(
    def.startAt,
    def.phases.map((p) => parseDelay(p.delay)!),
    def.timezone,
  );
}

export function campaignOrigin(campaignId: string): string {
  return `campaign:${campaignId}`;
}

/**
 * One recipient's schedules: a phase the recipient is sampled into (stable hash) and that is due
 * before the campaign's end. Ids are derived from (campaign, user, phase), so a retried chunk
 * finds its rows; `opened` conditions name the earlier phase's schedule id.
 */
export async function recipientCommands(
  campaignId: string,
  def: CampaignDefinition,
  dueTimes: number[],
  payloads: JsonObject[],
  userId: string,
  retryConfig: RetryConfig,
): Promise<CreateScheduleCommand[]> {
  const origin = campaignOrigin(campaignId);
  const ids = await Promise.all(def.phases.map((_, i) => derivedScheduleId(origin, userId, i)));
  const byName = new Map(def.phases.map((p, i) => [p.name, i]));
  const commands: CreateScheduleCommand[] = [];
  def.phases.forEach((phase, i) => {
    if (def.endAt !== null && dueTimes[i]! > def.endAt) return;
    if (!inSample(`${campaignId}:${i}`, userId, phase.targetPercentage)) return;
    commands.push({
      id: ids[i],
      notificationId: phase.notificationId,
      scheduledTime: formatInstant(dueTimes[i]!),
      localTimeAtOrAfter: def.rules.localTime,
      respectQuietHours: def.rules.respectQuietHours,
      priority: phase.priority,
      retryConfig,
      payload: payloads[i] ?? {},
      metadata: { campaignId, phase: phase.name },
      campaignId,
      origin,
      step: i,
      conditions: storedConditions(phase.conditions, ids, (c) => byName.get(c.phase ?? "") ?? 0, def.startAt),
      allowPast: true,
    });
  });
  return commands;
}
