import { z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { USER_ID_PATTERN } from "../../lib/ids";
import { parseDelay } from "../../lib/journeys/timing";
import type { JsonObject } from "../../lib/json";
import { MAX_PAYLOAD_BYTES, PRIORITY_NAMES, type PriorityName } from "../../lib/schedules/model";
import { isKnownHolidayRegion } from "../../lib/time/holidays";
import { parseInstant } from "../../lib/time/local-time";
import { isValidTimeZone } from "../../lib/time/zones";

/** Schemas shared by several resources; resource-specific ones live next to their routes. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export const TimezoneSchema = z
  .string()
  .refine(isValidTimeZone, { message: "must be an IANA timezone name such as Europe/Berlin" })
  .openapi({ example: "Europe/Berlin" });

export const UserIdSchema = z
  .string()
  .regex(USER_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 _ . : @ + -")
  .openapi({ example: "u_123" });

export const PrioritySchema = z
  .union([
    z.number().int().min(1).max(5),
    z.enum(Object.keys(PRIORITY_NAMES) as [PriorityName, ...PriorityName[]]),
  ])
  .openapi({ description: "1-5 or low|normal|high|urgent|critical; answered as a number", example: "high" });

/** An optional query parameter holding an instant (`from`, `to`). */
export const InstantQuerySchema = z
  .string()
  .refine((v) => parseInstant(v) !== null, { message: "must be an ISO 8601 instant with Z or an offset" })
  .optional();

/** The list filters shared by the per-user and the tenant-wide schedule lists. */
export const ScheduleFilterQuerySchema = {
  status: z.enum(["pending", "paused", "executing", "completed", "failed", "cancelled"]).optional(),
  from: InstantQuerySchema,
  to: InstantQuerySchema,
};

export const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24-hour)");

export const BusinessHoursSchema = z
  .object({
    days: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .max(7)
      .openapi({ description: "ISO weekdays: 1 = Monday … 7 = Sunday" }),
    start: HHMM,
    end: HHMM,
  })
  .strict()
  .refine((h) => h.start < h.end, { message: "start must be before end", path: ["end"] })
  .openapi("BusinessHours", { example: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" } });

/** A date-holidays region: a country ("DE") or a country and subdivision ("US-CA"). */
export const HolidayRegionSchema = z
  .string()
  .regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, "must be an ISO 3166 code such as DE or US-CA")
  .refine(isKnownHolidayRegion, { message: "has no holiday data (see GET /v1/holidays)" })
  .openapi({ example: "DE" });

export const InstantStringSchema = z.string().openapi({ example: "2026-12-01T08:00:00.000Z" });

/**
 * A JSON object whose serialized size stays within `maxBytes`. Request bodies are parsed from JSON
 * text, so every value in it is JSON; the output type says so (z.json() would say it too, but its
 * lazy recursion defeats the OpenAPI generator).
 */
export function boundedJsonObject(maxBytes: number) {
  return z
    .record(z.string(), z.unknown())
    .refine((value) => jsonByteLength(value) <= maxBytes, {
      message: `must serialize to at most ${maxBytes / 1024} KiB`,
    })
    .transform((value) => value as JsonObject)
    .openapi({ type: "object", additionalProperties: true });
}

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ example: 50 }),
  cursor: z.string().max(512).optional(),
});

export function listOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

/** OpenAPI response entries for the problem answers a route can give. */
/** Problem responses of a route a tenant key calls: with 401 comes 429 (the tenant's rate limit). */
export function problemResponses(...statuses: number[]) {
  return problemResponsesFor(statuses.includes(401) ? [...statuses, 429] : statuses);
}

/** Problem responses of a route the operator's token (or none) guards: no tenant rate limit. */
export function operatorProblemResponses(...statuses: number[]) {
  return problemResponsesFor(statuses);
}

function problemResponsesFor(statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Invalid input",
    401: "Missing or invalid credentials",
    403: "Role too low",
    404: "Not found (or another tenant's)",
    409: "State conflict or idempotency-key reuse",
    413: "Body too large",
    415: "Body is not application/json",
    429: "The tenant's API budget is spent (Retry-After says when to come back)",
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: descriptions[s] ?? "Error",
        content: { "application/problem+json": { schema: ProblemSchema } },
        ...(s === 429
          ? { headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } } }
          : {}),
      },
    ]),
  );
}

export function jsonBody<T extends z.ZodTypeAny>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends z.ZodTypeAny>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export const bearerSecurity = [{ bearerAuth: [] }];

function jsonByteLength(value: unknown): number {
  const text = JSON.stringify(value);
  return text.length * 3 <= 1024 ? text.length : new TextEncoder().encode(text).length;
}

/** Opaque list cursor: base64url JSON of the last row's sort key. */
export function encodeCursor(position: unknown): string {
  return btoa(JSON.stringify(position)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T | null {
  try {
    const value = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))) as unknown;
    return isValid(value) ? value : null;
  } catch {
    return null;
  }
}

/** A keyset list position: the sort instant and id of the last row already returned. */
export type KeysetPosition = { at: number; id: string };

/**
 * One page from `limit + 1` rows read in keyset order: the first `limit`, and the cursor of the
 * last one when a further row shows there is more.
 */
export function keysetPage<R extends { id: string }>(
  rows: R[],
  limit: number,
  sortInstant: (row: R) => number,
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({ at: sortInstant(last), id: last.id } satisfies KeysetPosition)
      : null;
  return { page, nextCursor };
}

export const isKeysetPosition = (v: unknown): v is KeysetPosition =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as KeysetPosition).at === "number" &&
  typeof (v as KeysetPosition).id === "string";

/** The position a list's `cursor` names (undefined for the first page); a foreign cursor is a 400. */
/**
 * One newest-first page of a list: `limit + 1` rows after the cursor's position (the extra row
 * says there is more), each shown with `view`.
 */
export async function newestFirstPage<R extends { id: string }, V>(
  query: { limit: number; cursor?: string },
  load: (limit: number, before?: KeysetPosition) => Promise<R[]>,
  sortInstant: (row: R) => number,
  view: (row: R) => V | Promise<V>,
): Promise<{ data: V[]; nextCursor: string | null }> {
  const rows = await load(query.limit + 1, cursorPosition(query.cursor, isKeysetPosition));
  const { page, nextCursor } = keysetPage(rows, query.limit, sortInstant);
  return { data: await Promise.all(page.map(view)), nextCursor };
}

export function cursorPosition<T>(
  cursor: string | undefined,
  isValid: (value: unknown) => value is T,
): T | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor, isValid);
  if (position === null) throw ApiError.validation("query.cursor", "is not a cursor this list returned");
  return position;
}

/** An instant parameter as epoch ms (now when absent), or a 400 naming the field. */
export function instantParam(text: string | undefined, field: string): number {
  if (text === undefined) return Date.now();
  const at = parseInstant(text);
  if (at === null) {
    throw new ApiError("validation_error", `${field} must be an ISO 8601 instant`, [
      { path: field, message: "must be an ISO 8601 instant with Z or an offset, e.g. 2027-07-01T12:00:00Z" },
    ]);
  }
  return at;
}

// ---- campaigns, drips and conditional schedules --------------------------------------------

export const IsoDurationSchema = z
  .string()
  .max(64)
  .refine((v) => parseDelay(v) !== null, {
    message: "must be a non-negative ISO 8601 duration such as P1D or PT30M",
  })
  .openapi({ example: "P1D" });

/** What a phase or step sends: a notification id, or one with its payload and priority. */
export const NotificationTemplateSchema = z
  .union([
    z.string().min(1).max(200),
    z
      .object({
        notificationId: z.string().min(1).max(200),
        payload: boundedJsonObject(MAX_PAYLOAD_BYTES).optional(),
        priority: PrioritySchema.optional(),
      })
      .strict(),
  ])
  .openapi("NotificationTemplate", { example: { notificationId: "welcome", payload: { title: "Hi" } } });

/** A condition checked when the message is about to fire; not met → the schedule is cancelled. */
export function conditionSchema(reference: "phase" | "step") {
  return z.union([
    z
      .object({
        type: z.enum(["opened", "not_opened"]),
        ...(reference === "phase"
          ? { phase: z.string().min(1).max(200).openapi({ description: "An earlier phase's name" }) }
          : { step: z.number().int().min(0).openapi({ description: "An earlier step's index" }) }),
      })
      .strict(),
    z
      .object({
        type: z.enum(["event_seen", "event_not_seen"]),
        event: z.string().min(1).max(200),
      })
      .strict(),
  ]);
}
