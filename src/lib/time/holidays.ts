import Holidays from "date-holidays";

/**
 * Public holidays from the date-holidays data set (offline, bundled). A holiday region is an
 * ISO 3166 code: a country ("DE") or a country and subdivision ("DE-BY", "US-CA").
 */
export interface Holiday {
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  name: string;
  type: "public" | "bank" | "school" | "optional" | "observance";
}

/** Types that close businesses: what `skipHolidays` and business-hour checks honour. */
const DAY_OFF = new Set<Holiday["type"]>(["public", "bank"]);

const calendars = new Map<string, Holidays | null>();

function calendarFor(region: string): Holidays | null {
  if (calendars.has(region)) return calendars.get(region)!;
  const [country, state] = region.split("-");
  let calendar: Holidays | null = null;
  if (country) {
    const known = new Holidays().getCountries("en");
    const states = known[country] ? new Holidays().getStates(country, "en") : undefined;
    if (known[country] && (!state || (states && state in states))) {
      calendar = state
        ? new Holidays(country, state, { languages: ["en"] })
        : new Holidays(country, { languages: ["en"] });
    }
  }
  calendars.set(region, calendar);
  return calendar;
}

export function isKnownHolidayRegion(region: string): boolean {
  return calendarFor(region) !== null;
}

const yearLists = new Map<string, Holiday[]>();

/** The region's holidays of one year, in date order (empty for an unknown region). */
export function holidaysInYear(region: string, year: number): Holiday[] {
  const key = `${region}|${year}`;
  let list = yearLists.get(key);
  if (!list) {
    const calendar = calendarFor(region);
    list = (calendar?.getHolidays(year, "en") ?? []).map((h) => ({
      date: h.date.slice(0, 10),
      name: h.name,
      type: h.type,
    }));
    if (yearLists.size > 5000) yearLists.clear();
    yearLists.set(key, list);
  }
  return list;
}

/** True when the local date (YYYY-MM-DD) is a public or bank holiday in the region. */
export function isDayOff(region: string, localDate: string): boolean {
  const year = Number(localDate.slice(0, 4));
  return holidaysInYear(region, year).some((h) => h.date === localDate && DAY_OFF.has(h.type));
}
