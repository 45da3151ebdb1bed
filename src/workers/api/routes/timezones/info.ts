import { createRoute, type RouteHandler } from "@hono/zod-openapi";
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
import { bearerSecurity, instantParam, jsonResponse, problemResponses } from "../../schemas";
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
