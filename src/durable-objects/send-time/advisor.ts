import { webhookUrlProblem } from "../../lib/net/webhook-url";
import { type BusyInterval, busyIntervals } from "../../lib/optimizer/calendar-busy";
import type { Decision } from "../../lib/optimizer/decide";
import { type Prior, posterior } from "../../lib/optimizer/model";
import { hash32 } from "../../lib/optimizer/random";
import { fixedSendTime, resolveSendTime, slotOf } from "../../lib/optimizer/resolve";
import type { TenantDefaults, UserSettings } from "../../lib/schedules/commands";
import { DEFAULT_BUSINESS_HOURS } from "../../lib/time/calendar";
import { formatLocal } from "../../lib/time/zones";
import type { EngagementEvent, EngagementStore } from "../storage/engagement-store";
import type { ScheduleStore } from "../storage/schedule-store";

const DAY_MS = 86_400_000;
const CALENDAR_TTL_MS = 10 * 60_000;

export interface SendTimeQuery {
  type: string;
  notBefore: number;
  notAfter: number;
  businessHoursOnly?: boolean;
  /** An experiment's fixed arm: this local time instead of the optimizer. */
  fixedLocalTime?: string;
  /** The schedule's own timezone, when it names one; else the user's, then the tenant's. */
  timezone?: string;
}

export type SendTimeAnswer = Decision & { localTime: string; timezone: string };

/**
 * The user object's send-time work: it gathers what only the object knows (the profiles, the user's
 * settings, their other schedules, their calendar) and hands it to the pure resolver.
 */
export class SendTimeAdvisor {
  /** The user's calendar feed as last fetched. */
  #calendar: { url: string; fetchedAt: number; ics: string } | null = null;

  constructor(
    private readonly engagement: EngagementStore,
    private readonly schedules: ScheduleStore,
    private readonly allowPrivateUrls: boolean,
  ) {}

  record(events: EngagementEvent[], zone: string): Record<string, string> {
    return Object.fromEntries(this.engagement.apply(events, (at) => slotOf(at, zone), Date.now()));
  }

  async optimal(
    userId: string,
    query: SendTimeQuery,
    prior: Prior | null,
    tenant: TenantDefaults,
    zone: string,
    settings: UserSettings | null,
  ): Promise<SendTimeAnswer | null> {
    if (query.fixedLocalTime) {
      const fixed = fixedSendTime(query.notBefore, query.notAfter, query.fixedLocalTime, {
        zone,
        quietHours: settings?.quietHours ?? null,
      });
      if (!fixed) return null;
      return {
        ...fixed,
        engagementProbability: 0,
        modelProbability: 0,
        confidence: 0,
        source: "fixed",
        explanation: `Experiment control: a fixed ${query.fixedLocalTime} in the user's timezone.`,
        localTime: formatLocal(fixed.at, zone),
        timezone: zone,
      };
    }
    const { profile, related } = this.engagement.profileWithRelated(query.type);
    const decision = resolveSendTime(
      profile,
      prior,
      query.notBefore,
      query.notAfter,
      {
        zone,
        quietHours: settings?.quietHours ?? null,
        businessHours: query.businessHoursOnly ? (tenant.businessHours ?? DEFAULT_BUSINESS_HOURS) : null,
        holidayRegion: query.businessHoursOnly
          ? (settings?.holidayCountry ?? tenant.holidayCountry ?? null)
          : null,
        busy: await this.#calendarBusy(settings?.calendarIcsUrl, query.notBefore, query.notAfter),
        maxPerDay: tenant.maxPerUserPerDay ?? null,
        otherSends: tenant.maxPerUserPerDay
          ? this.schedules.scheduleTimesBetween(query.notBefore - DAY_MS, query.notAfter + DAY_MS)
          : [],
      },
      hash32(`${userId}|${query.type}|${query.notBefore}`),
      { related, explorationShare: tenant.explorationShare ?? 0 },
    );
    return decision ? { ...decision, localTime: formatLocal(decision.at, zone), timezone: zone } : null;
  }

  profiles(prior: Prior | null, zone: string) {
    const all = this.engagement.all();
    return all.map(({ type, profile }) => ({
      type,
      zone,
      profile,
      posterior: prior
        ? posterior(
            profile,
            prior,
            all.filter((other) => other.type !== type).map((other) => other.profile),
          )
        : null,
    }));
  }

  /**
   * Busy times from the user's calendar feed (calendarIcsUrl), fetched at most every 10 minutes
   * with a 3 s timeout. An unreachable or unparsable feed means no busy times: the calendar refines
   * the choice, it never blocks it.
   */
  async #calendarBusy(url: string | null | undefined, from: number, to: number): Promise<BusyInterval[]> {
    if (!url) return [];
    if (
      !this.#calendar ||
      this.#calendar.url !== url ||
      Date.now() - this.#calendar.fetchedAt > CALENDAR_TTL_MS
    ) {
      let ics = "";
      if (webhookUrlProblem(url, this.allowPrivateUrls) === null) {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
          ics = response.ok ? (await response.text()).slice(0, 2_000_000) : "";
        } catch (error) {
          console.error(JSON.stringify({ msg: "calendar feed unavailable", error: String(error) }));
        }
      }
      this.#calendar = { url, fetchedAt: Date.now(), ics };
    }
    return busyIntervals(this.#calendar.ics, from, to);
  }
}
