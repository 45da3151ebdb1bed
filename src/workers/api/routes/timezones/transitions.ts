import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { formatInstant, isDstAt, transitionsInYear } from "../../../../lib/time/zones";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { TransitionsQuery, TransitionsSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/timezones/transitions",
  tags: ["Timezones"],
  summary: "Every offset change of a zone in a year (UTC calendar year)",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { query: TransitionsQuery },
  responses: {
    200: jsonResponse(TransitionsSchema, "The year's transitions"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = (c) => {
  const { tz, year } = c.req.valid("query");
  const transitions = transitionsInYear(tz, year ?? new Date().getUTCFullYear()).map((t) => ({
    ...t,
    at: formatInstant(t.at),
    isDSTAfter: isDstAt(tz, t.at),
  }));
  return c.json({ transitions }, 200);
};
