import { JOURNEY_DDL } from "../../lib/db/user-schema";

export interface UserEvent {
  name: string;
  at: number;
  properties: Record<string, unknown>;
}

export interface Enrollment {
  dripId: string;
  seq: number;
  status: "active" | "exited" | "removed" | "completed";
  enrolledAt: number;
  endsAt: number;
  exitOn: string[];
}

type EnrollmentRow = {
  drip_id: string;
  seq: number;
  status: Enrollment["status"];
  enrolled_at: number;
  ends_at: number;
  exit_on: string;
};

/** Events kept per user for conditions ("event X not seen since"): the newest ones. */
const EVENTS_KEPT = 5_000;

/** A user's events and drip enrollments in their object's SQLite (tables made on first use). */
export class JourneyStore {
  #ready = false;

  constructor(private readonly sql: SqlStorage) {}

  forgetTables(): void {
    this.#ready = false;
  }

  #ensureTables(): void {
    if (this.#ready) return;
    this.sql.exec(JOURNEY_DDL.join(";\n"));
    this.#ready = true;
  }

  recordEvent(event: UserEvent): void {
    this.#ensureTables();
    this.sql.exec(
      "INSERT INTO user_events (name, at, properties) VALUES (?, ?, ?)",
      event.name,
      event.at,
      JSON.stringify(event.properties),
    );
    this.sql.exec("DELETE FROM user_events WHERE seq <= (SELECT MAX(seq) FROM user_events) - ?", EVENTS_KEPT);
  }

  eventSeen(name: string, since: number, until: number): boolean {
    this.#ensureTables();
    return (
      this.sql
        .exec("SELECT 1 FROM user_events WHERE name = ? AND at >= ? AND at <= ? LIMIT 1", name, since, until)
        .toArray().length > 0
    );
  }

  /** The drip's enrollments, newest first. */
  enrollments(dripId: string): Enrollment[] {
    this.#ensureTables();
    return this.sql
      .exec<EnrollmentRow>("SELECT * FROM enrollments WHERE drip_id = ? ORDER BY seq DESC", dripId)
      .toArray()
      .map(toEnrollment);
  }

  /** Active enrollments that one of these event names ends. */
  activeExitedBy(name: string): Enrollment[] {
    this.#ensureTables();
    return this.sql
      .exec<EnrollmentRow>("SELECT * FROM enrollments WHERE status = 'active'")
      .toArray()
      .map(toEnrollment)
      .filter((e) => e.exitOn.includes(name));
  }

  insertEnrollment(e: Enrollment): void {
    this.#ensureTables();
    this.sql.exec(
      "INSERT INTO enrollments (drip_id, seq, status, enrolled_at, ends_at, exit_on) VALUES (?, ?, ?, ?, ?, ?)",
      e.dripId,
      e.seq,
      e.status,
      e.enrolledAt,
      e.endsAt,
      JSON.stringify(e.exitOn),
    );
  }

  endEnrollment(dripId: string, seq: number, status: Enrollment["status"], at: number): void {
    this.sql.exec(
      "UPDATE enrollments SET status = ?, ended_at = ? WHERE drip_id = ? AND seq = ?",
      status,
      at,
      dripId,
      seq,
    );
  }
}

function toEnrollment(r: EnrollmentRow): Enrollment {
  return {
    dripId: r.drip_id,
    seq: r.seq,
    status: r.status,
    enrolledAt: r.enrolled_at,
    endsAt: r.ends_at,
    exitOn: JSON.parse(r.exit_on) as string[],
  };
}
