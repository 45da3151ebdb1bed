import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { ownerOfSchedule, unwrap, userScheduler } from "../../user-scheduler";
import { ScheduleIdParams, ScheduleSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/schedules/{id}",
  tags: ["Schedules"],
  summary: "Get a schedule by id",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: ScheduleIdParams },
  responses: { 200: jsonResponse(ScheduleSchema, "The schedule"), ...problemResponses(401, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const owner = ownerOfSchedule(c.get("caller"), id);
  const { schedule } = unwrap(await userScheduler(c.env, owner).getSchedule(owner, id));
  return c.json(schedule, 200);
};
