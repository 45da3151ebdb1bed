import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { loadPattern, patternView } from "./pattern";
import { PatternIdParams, PatternSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/recurring/{id}",
  tags: ["Recurring patterns"],
  summary: "A recurring pattern",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: PatternIdParams },
  responses: { 200: jsonResponse(PatternSchema, "The pattern"), ...problemResponses(401, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const row = await loadPattern(c.env, c.get("caller").tenantId, c.req.valid("param").id);
  return c.json(await patternView(c.env, row), 200);
};
