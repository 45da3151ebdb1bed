import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { priorityValue } from "../../../../lib/schedules/model";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { ownerOfSchedule, tenantDefaults, unwrap, userScheduler } from "../../user-scheduler";
import { ScheduleIdParams, ScheduleSchema, UpdateScheduleSchema } from "./schema";

export const route = createRoute({
  method: "patch",
  path: "/v1/schedules/{id}",
  tags: ["Schedules"],
  summary: "Change a pending or paused schedule",
  description:
    "A new `timezone` without a new `scheduledTime` keeps the instant and changes how it is shown.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: ScheduleIdParams, body: jsonBody(UpdateScheduleSchema) },
  responses: {
    200: jsonResponse(ScheduleSchema, "The schedule"),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const caller = c.get("caller");
  const owner = ownerOfSchedule(caller, id);
  const patch = { ...body, priority: body.priority === undefined ? undefined : priorityValue(body.priority) };
  const { schedule } = unwrap(
    await userScheduler(c.env, owner).updateSchedule(owner, id, patch, tenantDefaults(caller.tenant)),
  );
  return c.json(schedule, 200);
};
