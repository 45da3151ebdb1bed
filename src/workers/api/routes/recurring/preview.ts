import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { listOccurrences } from "../../../../lib/recurrence/occurrences";
import { formatInstant } from "../../../../lib/time/zones";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, instantParam, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { compileOr400, ruleInput } from "./pattern";
import { OccurrencesSchema, PreviewSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/recurring/preview",
  tags: ["Recurring patterns"],
  summary: "Occurrences of a rule without storing anything (up to 1,000)",
  description:
    "Starts at `startDate` (inclusive) unless `after` is given. An invalid rule is a 400 naming the field.",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { body: jsonBody(PreviewSchema) },
  responses: { 200: jsonResponse(OccurrencesSchema, "The occurrences"), ...problemResponses(400, 401, 415) },
});

export const handler: RouteHandler<typeof route, AppEnv> = (c) => {
  const { count, after, ...rule } = c.req.valid("json");
  const compiled = compileOr400(ruleInput(rule), c.get("caller").tenant);
  const list = listOccurrences(compiled, {
    count,
    after: after === undefined ? undefined : instantParam(after, "after"),
  });
  return c.json({ occurrences: list.occurrences.map(formatInstant) }, 200);
};
