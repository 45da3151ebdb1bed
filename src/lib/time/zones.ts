import { DateTime, IANAZone } from "luxon";

/** True for IANA zone names the runtime's ICU data knows ("UTC" included); never a fixed offset. */
export function isValidTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  if (/^[+-]\d|^(?:utc|gmt)[+-]/i.test(zone)) return false;
  return IANAZone.isValidZone(zone);
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
