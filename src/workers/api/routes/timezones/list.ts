import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { canonicalTimeZones } from "../../../../lib/time/zones";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/timezones",
  tags: ["Timezones"],
  summary: "Canonical IANA zone names (aliases are accepted as input everywhere)",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  responses: {
    200: jsonResponse(z.object({ timezones: z.array(z.string()) }), "Every zone of the runtime's tz data"),
    ...problemResponses(401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = (c) =>
  c.json({ timezones: canonicalTimeZones() }, 200);
