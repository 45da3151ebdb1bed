import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { ownerOfSchedule, tenantDefaults, unwrap, userScheduler } from "../../user-scheduler";
import { ScheduledTimeSchema, ScheduleIdParams, ScheduleSchema } from "./schema";

export const route = createRoute({
  method: "put",
  path: "/v1/schedules/{id}/send-time",
  tags: ["Send-time optimization"],
  summary: "Override an optimized send time by hand (sendTimeSource becomes override)",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: {
    params: ScheduleIdParams,
    body: jsonBody(z.object({ sendAt: ScheduledTimeSchema }).strict().openapi("SendTimeOverride")),
  },
  responses: {
    200: jsonResponse(ScheduleSchema, "The schedule"),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const { sendAt } = c.req.valid("json");
  const caller = c.get("caller");
  const owner = ownerOfSchedule(caller, id);
  const { schedule } = unwrap(
    await userScheduler(c.env, owner).updateSchedule(
      owner,
      id,
      { scheduledTime: sendAt, sendTimeSource: "override" },
      tenantDefaults(caller.tenant),
    ),
  );
  return c.json(schedule, 200);
};
