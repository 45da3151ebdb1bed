import ICAL from "ical.js";

export type BusyInterval = [start: number, end: number];

/** Occurrences of one recurring event expanded at most this many times (a daily event over years). */
const MAX_OCCURRENCES = 500;

/**
 * Busy intervals of an iCalendar feed that overlap [from, to], with recurring events expanded
 * (ical.js does the RRULE/EXDATE and timezone work). Transparent events (free time) are skipped.
 * A feed that does not parse yields no busy time: the calendar is a hint, never a blocker.
 */
export function busyIntervals(ics: string, from: number, to: number): BusyInterval[] {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(ics));
  } catch {
    return [];
  }
  for (const zone of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  const busy: BusyInterval[] = [];
  for (const component of root.getAllSubcomponents("vevent")) {
    if (String(component.getFirstPropertyValue("transp") ?? "").toUpperCase() === "TRANSPARENT") continue;
    const event = new ICAL.Event(component);
    if (!event.startDate) continue;
    const durationMs = event.endDate
      ? event.endDate.toJSDate().getTime() - event.startDate.toJSDate().getTime()
      : 3_600_000;
    const add = (start: number) => {
      if (start < to && start + durationMs > from) busy.push([start, start + durationMs]);
    };
    if (!event.isRecurring()) {
      add(event.startDate.toJSDate().getTime());
      continue;
    }
    const iterator = event.iterator();
    for (let i = 0; i < MAX_OCCURRENCES; i++) {
      const next = iterator.next();
      if (!next) break;
      const start = next.toJSDate().getTime();
      if (start >= to) break;
      add(start);
    }
  }
  return busy.sort((a, b) => a[0] - b[0]);
}
