import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, problemResponses } from "../../schemas";
import { ownerOfSchedule, unwrap, userScheduler } from "../../user-scheduler";
import { ScheduleIdParams } from "./schema";

export const route = createRoute({
  method: "delete",
  path: "/v1/schedules/{id}",
  tags: ["Schedules"],
  summary: "Cancel a schedule",
  description:
    "Idempotent: cancelling a cancelled schedule answers 204 again. A completed or failed one is a 409.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: ScheduleIdParams },
  responses: { 204: { description: "Cancelled" }, ...problemResponses(401, 403, 404, 409) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const owner = ownerOfSchedule(c.get("caller"), id);
  unwrap(await userScheduler(c.env, owner).cancelSchedule(owner, id));
  return c.body(null, 204);
};
