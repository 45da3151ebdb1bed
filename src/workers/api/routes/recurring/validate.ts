import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { parseCron } from "../../../../lib/recurrence/cron";
import { listOccurrences } from "../../../../lib/recurrence/occurrences";
import { describeCron } from "../../../../lib/recurrence/pattern";
import { wallClockAt } from "../../../../lib/time/local-time";
import { formatInstant } from "../../../../lib/time/zones";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { ValidateSchema, ValidationSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/recurring/validate",
  tags: ["Recurring patterns"],
  summary: "Check a cron expression: what is wrong and where, or what it means and when it fires next",
  description: "An invalid expression answers 200 with `valid: false` and errors, not a 400.",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { body: jsonBody(ValidateSchema) },
  responses: { 200: jsonResponse(ValidationSchema, "The verdict"), ...problemResponses(400, 401, 415) },
});

export const handler: RouteHandler<typeof route, AppEnv> = (c) => {
  const { cronExpression, timezone } = c.req.valid("json");
  const parsed = parseCron(cronExpression);
  if (!parsed.ok) return c.json({ valid: false, errors: parsed.errors }, 200);
  const zone = timezone ?? "UTC";
  const now = Date.now();
  const { occurrences } = listOccurrences(
    {
      recurrence: { kind: "cron", spec: parsed.spec },
      zone,
      start: now,
      startWall: wallClockAt(now, zone),
    },
    { count: 5, after: now },
  );
  return c.json(
    {
      valid: true,
      kind: parsed.spec.kind,
      description: `${describeCron(cronExpression)} (${zone})`,
      next: occurrences.map(formatInstant),
    },
    200,
  );
};
