import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { ownerOfSchedule, unwrap, userScheduler } from "../../user-scheduler";
import { ScheduleIdParams, ScheduleSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/schedules/{id}/execute",
  tags: ["Schedules"],
  summary: "Fire a pending or paused schedule now",
  description: "Accepted: the schedule is due at once and goes out with the user's next alarm run.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: ScheduleIdParams },
  responses: {
    202: jsonResponse(ScheduleSchema, "The schedule, due now"),
    ...problemResponses(401, 403, 404, 409),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const owner = ownerOfSchedule(c.get("caller"), id);
  const { schedule } = unwrap(await userScheduler(c.env, owner).executeScheduleNow(owner, id));
  return c.json(schedule, 202);
};
