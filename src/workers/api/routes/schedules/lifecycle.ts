import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { UserScheduler } from "../../../../durable-objects/user-scheduler";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { ownerOfSchedule, unwrap, userScheduler } from "../../user-scheduler";
import { ScheduleIdParams, ScheduleSchema } from "./schema";

type LifecycleMethod = "pauseSchedule" | "resumeSchedule";

/** pause and resume share one shape: POST /v1/schedules/{id}/<verb>, no body, the schedule back. */
export function lifecycleOperation(verb: string, method: LifecycleMethod, summary: string) {
  const route = createRoute({
    method: "post",
    path: `/v1/schedules/{id}/${verb}`,
    tags: ["Schedules"],
    summary,
    security: bearerSecurity,
    middleware: [requireRole("editor")] as const,
    request: { params: ScheduleIdParams },
    responses: { 200: jsonResponse(ScheduleSchema, "The schedule"), ...problemResponses(401, 403, 404, 409) },
  });
  const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
    const { id } = c.req.valid("param");
    const owner = ownerOfSchedule(c.get("caller"), id);
    const stub = userScheduler(c.env, owner) as DurableObjectStub<UserScheduler>;
    const { schedule } = unwrap(await stub[method](owner, id));
    return c.json(schedule, 200);
  };
  return { route, handler };
}
