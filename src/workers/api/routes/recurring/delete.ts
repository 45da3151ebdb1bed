import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { patternStore } from "../../../db/pattern-store";
import { cancelPatternInstances } from "../../../recurring/generate";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, problemResponses } from "../../schemas";
import { loadPattern } from "./pattern";
import { PatternIdParams } from "./schema";

export const route = createRoute({
  method: "delete",
  path: "/v1/recurring/{id}",
  tags: ["Recurring patterns"],
  summary: "Delete a pattern and cancel its instances not yet fired",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: PatternIdParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(401, 403, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { tenantId } = c.get("caller");
  const row = await loadPattern(c.env, tenantId, c.req.valid("param").id);
  // Stop generation first, then cancel what was generated: nothing new can appear in between.
  await patternStore(c.env.DB, tenantId).deletePattern(row.id);
  await cancelPatternInstances(c.env, tenantId, row);
  return c.body(null, 204);
};
