/**
 * Conditions evaluated when a schedule is about to fire, inside the user's object, against what
 * that object knows: whether an earlier schedule of the same journey was opened, and which
 * events the user sent. Stored resolved (schedule ids and instants), so evaluation needs no lookup.
 */
export type StoredCondition =
  | { type: "opened" | "not_opened"; scheduleId: string; label: string }
  | { type: "event_seen" | "event_not_seen"; event: string; since: number };

export interface ConditionFacts {
  opened(scheduleId: string): boolean;
  /** Whether the user sent `event` at or after `since` (and not after now). */
  eventSeen(event: string, since: number): boolean;
}

/** Why the schedule must not fire (the first condition that fails), or null when all hold. */
export function unmetCondition(conditions: StoredCondition[], facts: ConditionFacts): string | null {
  for (const c of conditions) {
    switch (c.type) {
      case "opened":
        if (!facts.opened(c.scheduleId)) return `condition not met: ${c.label} was not opened`;
        break;
      case "not_opened":
        if (facts.opened(c.scheduleId)) return `condition not met: ${c.label} was opened`;
        break;
      case "event_seen":
        if (!facts.eventSeen(c.event, c.since)) return `condition not met: event "${c.event}" not seen`;
        break;
      case "event_not_seen":
        if (facts.eventSeen(c.event, c.since)) return `condition not met: event "${c.event}" was seen`;
        break;
    }
  }
  return null;
}

/** A trigger's `where`: every listed property must equal the event's (strings, numbers, booleans). */
export function matchesWhere(
  where: Record<string, string | number | boolean> | undefined,
  properties: Record<string, unknown>,
): boolean {
  if (!where) return true;
  return Object.entries(where).every(([key, value]) => properties[key] === value);
}
