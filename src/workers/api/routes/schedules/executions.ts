import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { ownerOfSchedule, userScheduler } from "../../user-scheduler";
import { ExecutionSchema, ScheduleIdParams } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/schedules/{id}/executions",
  tags: ["Schedules"],
  summary: "Delivery attempts of a schedule",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: ScheduleIdParams },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(ExecutionSchema), nextCursor: z.null() }),
      "Attempts, oldest first",
    ),
    ...problemResponses(401, 404),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const owner = ownerOfSchedule(c.get("caller"), id);
  const attempts = await userScheduler(c.env, owner).listAttempts(owner, id);
  if (!attempts) throw new ApiError("not_found", `no schedule ${id}`);
  return c.json({ data: attempts, nextCursor: null }, 200);
};
