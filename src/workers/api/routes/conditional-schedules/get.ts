import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { conditionalView, loadConditional } from "./conditional";
import { ConditionalIdParams, ConditionalSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/conditional-schedules/{id}",
  tags: ["Drips and events"],
  summary: "A conditional schedule",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: ConditionalIdParams },
  responses: {
    200: jsonResponse(ConditionalSchema, "The conditional schedule"),
    ...problemResponses(401, 404),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const row = await loadConditional(c.env, c.get("caller").tenantId, c.req.valid("param").id);
  return c.json(await conditionalView(c.env, row), 200);
};
