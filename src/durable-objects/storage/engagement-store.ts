import { ENGAGEMENT_DDL } from "../../lib/db/user-schema";
import { PERSONAL_SOURCES } from "../../lib/optimizer/decide";
import {
  type EngagementProfile,
  emptyProfile,
  mergeProfiles,
  parseProfile,
  recordOpen,
  recordSend,
  serializeProfile,
} from "../../lib/optimizer/profile";
import { slotOf } from "../../lib/optimizer/resolve";

/** Sends kept for pairing opens with (per user; older ones have long been counted). */
const SENDS_KEPT = 2000;

export interface EngagementEvent {
  type: string;
  event: "sent" | "delivered" | "opened" | "clicked" | "dismissed";
  at: number;
  /** Pairs an open with its send: sendId or scheduleId. */
  sendKey?: string | null;
}

type SendRow = {
  send_key: string;
  slot: number | null;
  zone: string | null;
  at: number;
  opened: number;
  folded: number;
  /** 1 when the optimizer chose the hour from this user's own history (its schedule's source). */
  personal: number;
};

const SEND_COLUMNS = `e.send_key, e.slot, e.zone, e.at, e.opened, e.folded,
  COALESCE((SELECT s.send_time_source IN (${PERSONAL_SOURCES.map((source) => `'${source}'`).join(", ")})
    FROM schedules s WHERE s.id = e.send_key), 0) AS personal`;

function slotOfSend(send: SendRow): number {
  return send.slot ?? slotOf(send.at, send.zone ?? "UTC");
}

/**
 * A user's engagement data in their object's SQLite: profiles (one per notification type) and the
 * recent sends, so that an `opened` finds its `sent` (by key, else the latest earlier send of the
 * same type that is not opened yet). A send is only a row at first; it is folded into the profile
 * the next time the profile is read or changed.
 */
export class EngagementStore {
  #appliesSinceTrim = 99;

  #ready = false;

  constructor(private readonly sql: SqlStorage) {}

  /** After the object's storage was erased: create the tables again on next use. */
  forgetTables(): void {
    this.#ready = false;
  }

  /** Whether an open was reported through POST /v1/engagement for this send (or schedule) id. */
  wasOpened(sendKey: string): boolean {
    this.#ensureTables();
    return (
      this.sql.exec("SELECT 1 FROM engagement_sends WHERE send_key = ? AND opened = 1", sendKey).toArray()
        .length > 0
    );
  }

  /** The tables exist from the first use on (see ENGAGEMENT_DDL). */
  #ensureTables(): void {
    if (this.#ready) return;
    this.sql.exec(ENGAGEMENT_DDL.join(";\n"));
    this.#ready = true;
  }

  /**
   * Sends the service itself delivered become engagement sends here, read from the schedules table
   * when engagement data is next used, so that the firing path does no extra work at all. Only
   * completions after the newest one imported (less an hour, for stragglers) are looked at.
   */
  #importDeliveries(): void {
    this.#ensureTables();
    this.sql.exec(
      `INSERT INTO engagement_sends (send_key, type, zone, at)
       SELECT id, notification_id, timezone, executed_at FROM schedules
       WHERE status = 'completed' AND executed_at >= COALESCE(
         (SELECT MAX(at) FROM engagement_sends WHERE zone IS NOT NULL), 0) - 3600000
       ON CONFLICT DO NOTHING`,
    );
  }

  #insertSend(type: string, slot: number, at: number, sendKey: string): void {
    this.sql.exec(
      "INSERT INTO engagement_sends (send_key, type, slot, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      sendKey,
      type,
      slot,
      at,
    );
  }

  /**
   * The profile of a notification type and the user's profiles of their other types, which inform
   * the user's timing when this type has little history ("*" has none: it is all of them).
   */
  profileWithRelated(type: string): { profile: EngagementProfile; related: EngagementProfile[] } {
    const all = this.all();
    if (type === "*") return { profile: mergeProfiles(all.map((p) => p.profile)), related: [] };
    return {
      profile: all.find((p) => p.type === type)?.profile ?? emptyProfile(),
      related: all.filter((p) => p.type !== type).map((p) => p.profile),
    };
  }

  /** Every notification type of the user with its profile. */
  all(): { type: string; profile: EngagementProfile }[] {
    this.#importDeliveries();
    return this.#types().map((type) => ({ type, profile: this.#current(type) }));
  }

  #current(type: string): EngagementProfile {
    const profile = this.#stored(type);
    if (this.#fold(type, profile)) this.#save(type, profile, Date.now());
    return profile;
  }

  #types(): string[] {
    return this.sql
      .exec<{ type: string }>(
        "SELECT type FROM engagement_profiles UNION SELECT DISTINCT type FROM engagement_sends WHERE folded = 0",
      )
      .toArray()
      .map((r) => r.type)
      .sort();
  }

  /** Apply events in time order; returns the serialized profiles that changed. */
  apply(events: EngagementEvent[], slotOf: (at: number) => number, now: number): Map<string, string> {
    this.#importDeliveries();
    const touched = new Map<string, EngagementProfile>();
    const profileOf = (type: string) => {
      let p = touched.get(type);
      if (!p) {
        p = this.#stored(type);
        this.#fold(type, p);
        touched.set(type, p);
      }
      return p;
    };
    for (const e of [...events].sort((a, b) => a.at - b.at)) {
      if (e.event === "sent") {
        this.#insertSend(e.type, slotOf(e.at), e.at, e.sendKey ?? `at:${e.type}:${e.at}`);
        profileOf(e.type);
      } else if (e.event === "opened" || e.event === "clicked") {
        const send = e.sendKey
          ? this.sql
              .exec<SendRow>(`SELECT ${SEND_COLUMNS} FROM engagement_sends e WHERE e.send_key = ?`, e.sendKey)
              .toArray()[0]
          : this.sql
              .exec<SendRow>(
                `SELECT ${SEND_COLUMNS} FROM engagement_sends e
                 WHERE e.type = ? AND e.at <= ? AND e.opened = 0 ORDER BY e.at DESC LIMIT 1`,
                e.type,
                e.at,
              )
              .toArray()[0];
        // Opened and clicked are one engagement: the second of them changes nothing.
        if (!send || send.opened) continue;
        this.sql.exec("UPDATE engagement_sends SET opened = 1 WHERE send_key = ?", send.send_key);
        const profile = profileOf(e.type);
        // A send folded already counted as unopened; one not folded yet is folded as opened now.
        if (send.folded) recordOpen(profile, slotOfSend(send), send.at, send.personal === 1);
        else this.#fold(e.type, profile);
      }
    }
    const changed = new Map<string, string>();
    for (const [type, p] of touched) {
      this.#fold(type, p);
      changed.set(type, this.#save(type, p, now));
    }
    // Trimming scans the table: do it now and then, not on every call.
    if (++this.#appliesSinceTrim >= 100) {
      this.#appliesSinceTrim = 0;
      this.sql.exec(
        `DELETE FROM engagement_sends WHERE folded = 1 AND send_key IN
           (SELECT send_key FROM engagement_sends ORDER BY at DESC LIMIT -1 OFFSET ?)`,
        SENDS_KEPT,
      );
    }
    return changed;
  }

  #stored(type: string): EngagementProfile {
    const row = this.sql
      .exec<{ profile: string }>("SELECT profile FROM engagement_profiles WHERE type = ?", type)
      .toArray()[0];
    return parseProfile(row?.profile);
  }

  /** Count the sends not yet in the profile (in time order); returns whether there were any. */
  #fold(type: string, profile: EngagementProfile): boolean {
    const rows = this.sql
      .exec<SendRow>(
        `SELECT ${SEND_COLUMNS} FROM engagement_sends e WHERE e.type = ? AND e.folded = 0 ORDER BY e.at`,
        type,
      )
      .toArray();
    if (rows.length === 0) return false;
    for (const r of rows) recordSend(profile, slotOfSend(r), r.at, r.opened === 1, r.personal === 1);
    this.sql.exec("UPDATE engagement_sends SET folded = 1 WHERE type = ? AND folded = 0", type);
    return true;
  }

  #save(type: string, profile: EngagementProfile, now: number): string {
    const text = serializeProfile(profile);
    this.sql.exec(
      `INSERT INTO engagement_profiles (type, profile, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(type) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`,
      type,
      text,
      now,
    );
    return text;
  }
}
