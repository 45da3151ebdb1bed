import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { listOccurrences } from "../../../../lib/recurrence/occurrences";
import { formatInstant } from "../../../../lib/time/zones";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, instantParam, jsonResponse, problemResponses } from "../../schemas";
import { compileOr400, loadPattern } from "./pattern";
import { OccurrencesQuery, OccurrencesSchema, PatternIdParams } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/recurring/{id}/occurrences",
  tags: ["Recurring patterns"],
  summary: "The pattern's occurrences (UTC instants), from its start or after `after`",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: PatternIdParams, query: OccurrencesQuery },
  responses: {
    200: jsonResponse(OccurrencesSchema, "Up to `count` occurrences"),
    ...problemResponses(400, 401, 404),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const caller = c.get("caller");
  const { count, after } = c.req.valid("query");
  const row = await loadPattern(c.env, caller.tenantId, c.req.valid("param").id);
  const rule = compileOr400(JSON.parse(row.rule), caller.tenant);
  const list = listOccurrences(rule, {
    count,
    after: after === undefined ? undefined : instantParam(after, "query.after"),
  });
  return c.json({ occurrences: list.occurrences.map(formatInstant) }, 200);
};
