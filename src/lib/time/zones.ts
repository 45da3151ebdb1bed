import { DateTime, IANAZone } from "luxon";

const zoneValidity = new Map<string, boolean>();

/** True for IANA zone names the runtime's ICU data knows ("UTC" included); never a fixed offset. */
export function isValidTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    // luxon builds an Intl.DateTimeFormat per check; the answer never changes, so keep it.
    valid = !/^[+-]\d|^(?:utc|gmt)[+-]/i.test(zone) && IANAZone.isValidZone(zone);
    if (zoneValidity.size < 2000) zoneValidity.set(zone, valid);
  }
  return valid;
}

const HOUR = 3_600_000;

/** The offset from ICU through luxon: the ground truth the transition tables are built from. */
function icuOffsetMinutes(zone: string, epochMs: number): number {
  return DateTime.fromMillis(epochMs, { zone }).offset;
}

export interface Transition {
  /** First instant with the new offset. */
  at: number;
  offsetBeforeMinutes: number;
  offsetAfterMinutes: number;
}

interface YearTable {
  startOffset: number;
  transitions: Transition[];
}

/**
 * One UTC year of a zone: its offset at the start and every offset change. Built once by sampling
 * every 2 days (no tzdb zone changes its offset twice within 2 days since 1970) and bisecting each
 * change to the millisecond: about 200 ICU calls per zone and year, so that a new Durable Object
 * (each may be its own isolate) pays about a millisecond; afterwards an offset lookup is a short
 * scan instead of an ICU call.
 */
const STEP = 48 * HOUR;
const yearTables = new Map<string, YearTable>();

function yearTable(zone: string, year: number): YearTable {
  const key = `${zone}|${year}`;
  let table = yearTables.get(key);
  if (table) return table;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const transitions: Transition[] = [];
  // The offset just before the year, so that a change at exactly 00:00 UTC on Jan 1 is listed too.
  const startOffset = icuOffsetMinutes(zone, start - 1);
  let previous = startOffset;
  const atStart = icuOffsetMinutes(zone, start);
  if (atStart !== previous) {
    transitions.push({ at: start, offsetBeforeMinutes: previous, offsetAfterMinutes: atStart });
    previous = atStart;
  }
  for (let t = start + STEP; t <= end + STEP - 1; t += STEP) {
    const sample = Math.min(t, end - 1);
    const offset = icuOffsetMinutes(zone, sample);
    if (offset === previous) continue;
    let lo = Math.max(start, sample - STEP); // offset `previous` here
    let hi = sample; // new offset here
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (icuOffsetMinutes(zone, mid) === previous) lo = mid;
      else hi = mid;
    }
    transitions.push({ at: hi, offsetBeforeMinutes: previous, offsetAfterMinutes: offset });
    previous = offset;
  }
  table = { startOffset, transitions };
  if (yearTables.size > 20_000) yearTables.clear();
  yearTables.set(key, table);
  return table;
}

/**
 * ICU canonicalises to CLDR's ids, which keep some names IANA renamed long ago; these are mapped
 * to the IANA names (the list TC39's canonical-tz work settled on).
 */
const CLDR_TO_IANA: Record<string, string> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/** The IANA canonical name of a zone or alias: Asia/Calcutta → Asia/Kolkata, US/Eastern → America/New_York. */
export function canonicalTimeZone(zone: string): string {
  const icu = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  return CLDR_TO_IANA[icu] ?? icu;
}

let zoneList: string[] | undefined;

/** Every canonical IANA zone the runtime knows, sorted. */
export function canonicalTimeZones(): string[] {
  // Intl lists geographic zones only; UTC is accepted everywhere, so it is listed too.
  zoneList ??= [...new Set([...Intl.supportedValuesOf("timeZone").map(canonicalTimeZone), "UTC"])].sort();
  return zoneList;
}

/** The zone's UTC offset in minutes at an instant. */
export function offsetMinutesAt(zone: string, epochMs: number): number {
  const { startOffset, transitions } = yearTable(zone, new Date(epochMs).getUTCFullYear());
  let offset = startOffset;
  for (const t of transitions) {
    if (t.at > epochMs) break;
    offset = t.offsetAfterMinutes;
  }
  return offset;
}

/** Every offset change of the zone during a (UTC) calendar year, in order. */
export function transitionsInYear(zone: string, year: number): Transition[] {
  return yearTable(zone, year).transitions;
}

/** The first offset change after `epochMs`, looking up to `years` ahead; null for a zone without. */
export function nextTransition(zone: string, epochMs: number, years = 5): Transition | null {
  const first = new Date(epochMs).getUTCFullYear();
  for (let year = first; year <= first + years; year++) {
    const found = yearTable(zone, year).transitions.find((t) => t.at > epochMs);
    if (found) return found;
  }
  return null;
}

/**
 * DESIGN P8: the standard offset is the smaller of the offsets at Jan 1 and Jul 1 of the year, and
 * DST is an offset above it. Zones with "negative DST" (Dublin's winter, Casablanca's Ramadan) thus
 * report isDST false in the months whose legal name says otherwise.
 */
export function isDstAt(zone: string, epochMs: number): boolean {
  const year = new Date(epochMs).getUTCFullYear();
  const standard = Math.min(
    offsetMinutesAt(zone, Date.UTC(year, 0, 1)),
    offsetMinutesAt(zone, Date.UTC(year, 6, 1)),
  );
  return offsetMinutesAt(zone, epochMs) > standard;
}

/** "+05:45", "-03:00". */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** The zone's short name at an instant in English (EST, CET; "GMT+5:45" where none exists). */
export function abbreviationAt(zone: string, epochMs: number): string {
  return DateTime.fromMillis(epochMs, { zone }).setLocale("en-US").offsetNameShort ?? formatOffset(0);
}

/** ISO 8601 local time with offset and milliseconds, e.g. 2026-12-01T09:00:00.000+01:00. */
export function formatLocal(epochMs: number, zone: string): string {
  return DateTime.fromMillis(epochMs, { zone }).toISO({ suppressMilliseconds: false, includeOffset: true })!;
}

/** The service's one instant format: UTC, `Z`, milliseconds. */
export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
