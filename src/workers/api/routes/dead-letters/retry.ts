import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { unwrap, userScheduler } from "../../user-scheduler";
import { ScheduleSchema } from "../schedules/schema";

export const route = createRoute({
  method: "post",
  path: "/v1/dead-letters/{id}/retry",
  tags: ["Delivery"],
  summary: "Send a failed schedule again",
  description: "The schedule becomes pending, due now, with its attempts reset, as a new execution.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(100)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: {
    202: jsonResponse(ScheduleSchema, "The schedule, pending again"),
    ...problemResponses(401, 403, 404, 409),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const caller = c.get("caller");
  const store = tenantStore(c.env.DB, caller.tenantId);
  const letter = await store.getDeadLetter(id);
  if (!letter) throw new ApiError("not_found", `no dead letter ${id}`);
  const owner = { tenantId: caller.tenantId, userId: letter.userId };
  const { schedule } = unwrap(await userScheduler(c.env, owner).requeueFailed(owner, letter.scheduleId));
  await store.markDeadLetterRetried(id, Date.now());
  await store.audit(caller.keyId, "dead_letter.retry", id);
  return c.json(schedule, 202);
};
