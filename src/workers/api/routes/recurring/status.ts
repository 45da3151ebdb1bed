import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { listOccurrences } from "../../../../lib/recurrence/occurrences";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { compileOr400, loadPattern } from "./pattern";
import { PatternIdParams, PatternStatusSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/recurring/{id}/status",
  tags: ["Recurring patterns"],
  summary: "Whether the pattern runs, how much it generated, and its next occurrence",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: PatternIdParams },
  responses: { 200: jsonResponse(PatternStatusSchema, "The status"), ...problemResponses(401, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const caller = c.get("caller");
  const row = await loadPattern(c.env, caller.tenantId, c.req.valid("param").id);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const rule = compileOr400(JSON.parse(row.rule), caller.tenant);
  const next =
    row.status === "active"
      ? (listOccurrences(rule, { after: Date.now(), count: 1 }).occurrences[0] ?? null)
      : null;
  return c.json(
    {
      isActive: row.status === "active",
      status: row.status,
      occurrencesGenerated: row.occurrencesGenerated,
      nextOccurrence: iso(next),
      lastGeneratedAt: iso(row.lastGeneratedAt),
      generatedUntil: row.generatedUntil < rule.start ? null : iso(row.generatedUntil),
    },
    200,
  );
};
