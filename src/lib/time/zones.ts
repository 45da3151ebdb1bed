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

/** The zone's UTC offset in minutes at an instant. */
export function offsetMinutesAt(zone: string, epochMs: number): number {
  return DateTime.fromMillis(epochMs, { zone }).offset;
}

/** ISO 8601 local time with offset and milliseconds, e.g. 2026-12-01T09:00:00.000+01:00. */
export function formatLocal(epochMs: number, zone: string): string {
  return DateTime.fromMillis(epochMs, { zone }).toISO({ suppressMilliseconds: false, includeOffset: true })!;
}

/** The service's one instant format: UTC, `Z`, milliseconds. */
export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
