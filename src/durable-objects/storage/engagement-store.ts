import {
  type EngagementProfile,
  mergeProfiles,
  parseProfile,
  recordOpen,
  recordSend,
  serializeProfile,
} from "../../lib/optimizer/profile";

/** Sends kept for pairing opens with (per user; older ones have long been counted). */
const SENDS_KEPT = 2000;

export interface EngagementEvent {
  type: string;
  event: "sent" | "delivered" | "opened" | "clicked" | "dismissed";
  at: number;
  /** Pairs an open with its send: sendId or scheduleId. */
  sendKey?: string | null;
}

/**
 * A user's engagement data in their object's SQLite: profiles (one per notification type) and the
 * recent sends, so that an `opened` finds its `sent` (by key, else the latest earlier send of the
 * same type that is not opened yet).
 */
export class EngagementStore {
  #appliesSinceTrim = 99;

  constructor(private readonly sql: SqlStorage) {}

  /** The profile of a notification type; "*" is all of the user's types together. */
  profile(type: string): EngagementProfile {
    if (type === "*") return mergeProfiles(this.types().map((t) => this.profile(t)));
    const row = this.sql
      .exec<{ profile: string }>("SELECT profile FROM engagement_profiles WHERE type = ?", type)
      .toArray()[0];
    return parseProfile(row?.profile);
  }

  types(): string[] {
    return this.sql
      .exec<{ type: string }>("SELECT type FROM engagement_profiles ORDER BY type")
      .toArray()
      .map((r) => r.type);
  }

  /** Apply events in time order; returns the serialized profiles that changed. */
  apply(events: EngagementEvent[], slotOf: (at: number) => number, now: number): Map<string, string> {
    const profiles = new Map<string, EngagementProfile>();
    const profileOf = (type: string) => {
      let p = profiles.get(type);
      if (!p) {
        p = this.profile(type);
        profiles.set(type, p);
      }
      return p;
    };
    for (const e of [...events].sort((a, b) => a.at - b.at)) {
      if (e.event === "sent") {
        const key = e.sendKey ?? `at:${e.type}:${e.at}`;
        const cursor = this.sql.exec(
          "INSERT INTO engagement_sends (send_key, type, slot, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          key,
          e.type,
          slotOf(e.at),
          e.at,
        );
        cursor.toArray();
        if (cursor.rowsWritten > 0) recordSend(profileOf(e.type), slotOf(e.at), e.at, false);
      } else if (e.event === "opened" || e.event === "clicked") {
        const send = e.sendKey
          ? this.sql
              .exec<{ send_key: string; slot: number; at: number; opened: number }>(
                "SELECT send_key, slot, at, opened FROM engagement_sends WHERE send_key = ?",
                e.sendKey,
              )
              .toArray()[0]
          : this.sql
              .exec<{ send_key: string; slot: number; at: number; opened: number }>(
                `SELECT send_key, slot, at, opened FROM engagement_sends
                 WHERE type = ? AND at <= ? AND opened = 0 ORDER BY at DESC LIMIT 1`,
                e.type,
                e.at,
              )
              .toArray()[0];
        // Opened and clicked are one engagement: the second of them changes nothing.
        if (!send || send.opened) continue;
        this.sql.exec("UPDATE engagement_sends SET opened = 1 WHERE send_key = ?", send.send_key);
        recordOpen(profileOf(e.type), send.slot, send.at);
      }
    }
    const changed = new Map<string, string>();
    for (const [type, p] of profiles) {
      const text = serializeProfile(p);
      this.sql.exec(
        `INSERT INTO engagement_profiles (type, profile, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(type) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`,
        type,
        text,
        now,
      );
      changed.set(type, text);
    }
    // Trimming scans the table: do it now and then, not on every delivery.
    if (++this.#appliesSinceTrim >= 100) {
      this.#appliesSinceTrim = 0;
      this.sql.exec(
        `DELETE FROM engagement_sends WHERE send_key IN
           (SELECT send_key FROM engagement_sends ORDER BY at DESC LIMIT -1 OFFSET ?)`,
        SENDS_KEPT,
      );
    }
    return changed;
  }
}
