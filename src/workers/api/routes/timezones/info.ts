import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { parseInstant } from "../../../../lib/time/local-time";
import {
  abbreviationAt,
  canonicalTimeZone,
  formatInstant,
  formatOffset,
  isDstAt,
  nextTransition,
  offsetMinutesAt,
} from "../../../../lib/time/zones";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { TimezoneInfoQuery, TimezoneInfoSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/timezones/info",
  tags: ["Timezones"],
  summary: "Offset, DST and next transition of a zone at an instant",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { query: TimezoneInfoQuery },
  responses: {
    200: jsonResponse(TimezoneInfoSchema, "The zone at that instant"),
    ...problemResponses(400, 401),
  },
});

/** `at` as epoch ms, or a 400 naming the field. */
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

export const handler: RouteHandler<typeof route, AppEnv> = (c) => {
  const { tz, at: atText } = c.req.valid("query");
  const at = instantParam(atText, "query.at");
  const offset = offsetMinutesAt(tz, at);
  const next = nextTransition(tz, at);
  return c.json(
    {
      timezone: canonicalTimeZone(tz),
      offsetMinutes: offset,
      utcOffset: formatOffset(offset),
      isDST: isDstAt(tz, at),
      abbreviation: abbreviationAt(tz, at),
      nextTransition: next ? { ...next, at: formatInstant(next.at) } : null,
    },
    200,
  );
};
