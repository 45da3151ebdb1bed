import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { dripStore } from "../../../db/drip-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, problemResponses } from "../../schemas";
import { ConditionalIdParams } from "./schema";

export const route = createRoute({
  method: "delete",
  path: "/v1/conditional-schedules/{id}",
  tags: ["Drips and events"],
  summary: "Delete a conditional schedule (schedules it already created stay)",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: ConditionalIdParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(401, 403, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const deleted = await dripStore(c.env.DB, c.get("caller").tenantId).deleteConditional(id);
  if (!deleted) throw new ApiError("not_found", `no conditional schedule ${id}`);
  return c.body(null, 204);
};
