import type { UserSettings } from "../../../../lib/schedules/commands";

export function userView(userId: string, s: UserSettings) {
  return {
    userId,
    timezone: s.timezone,
    locale: s.locale ?? null,
    quietHours: s.quietHours ?? null,
    holidayCountry: s.holidayCountry ?? null,
    calendarIcsUrl: s.calendarIcsUrl ?? null,
  };
}
