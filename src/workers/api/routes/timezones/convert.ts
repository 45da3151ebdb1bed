import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { parseInstant, resolveLocalTime } from "../../../../lib/time/local-time";
import { formatInstant, formatLocal, offsetMinutesAt } from "../../../../lib/time/zones";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { ConvertResultSchema, ConvertSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/timezones/convert",
  tags: ["Timezones"],
  summary: "An instant or a local time, shown in another zone (gaps and overlaps resolved per P1)",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { body: jsonBody(ConvertSchema) },
  responses: { 200: jsonResponse(ConvertResultSchema, "The converted time"), ...problemResponses(400, 401) },
});

export const handler: RouteHandler<typeof route, AppEnv> = (c) => {
  const { dateTime, from, to } = c.req.valid("json");
  let resolved = { epochMs: parseInstant(dateTime) ?? Number.NaN, adjusted: false, ambiguous: false };
  if (Number.isNaN(resolved.epochMs)) {
    if (!from) {
      throw new ApiError("validation_error", "a local dateTime needs the zone it is read in", [
        { path: "from", message: "is required when dateTime has no offset" },
      ]);
    }
    const local = resolveLocalTime(dateTime, from);
    if (!local) {
      throw new ApiError("validation_error", "dateTime is not a valid ISO 8601 date-time", [
        {
          path: "dateTime",
          message: "must be an ISO 8601 instant or local date-time, e.g. 2027-03-14T02:30:00",
        },
      ]);
    }
    resolved = local;
  }
  return c.json(
    {
      utc: formatInstant(resolved.epochMs),
      local: formatLocal(resolved.epochMs, to),
      offsetMinutes: offsetMinutesAt(to, resolved.epochMs),
      adjusted: resolved.adjusted,
      ambiguous: resolved.ambiguous,
    },
    200,
  );
};
