import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { dripView, loadDrip } from "./drip";
import { DripIdParams, DripSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/drips/{id}",
  tags: ["Drips and events"],
  summary: "A drip",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: DripIdParams },
  responses: { 200: jsonResponse(DripSchema, "The drip"), ...problemResponses(401, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const row = await loadDrip(c.env, c.get("caller").tenantId, c.req.valid("param").id);
  return c.json(await dripView(c.env, row), 200);
};
