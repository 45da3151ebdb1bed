import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { parseInstant } from "../../../../lib/time/local-time";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  cursorPosition,
  encodeCursor,
  isKeysetPosition,
  jsonResponse,
  type KeysetPosition,
  ListQuerySchema,
  listOf,
  problemResponses,
  ScheduleFilterQuerySchema,
  UserIdSchema,
} from "../../schemas";
import { userScheduler } from "../../user-scheduler";
import { ScheduleSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/users/{userId}/schedules",
  tags: ["Schedules"],
  summary: "A user's schedules, ordered by scheduledTime",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: {
    params: z.object({ userId: UserIdSchema.openapi({ param: { name: "userId", in: "path" } }) }),
    query: ListQuerySchema.extend({
      ...ScheduleFilterQuerySchema,
    }),
  },
  responses: {
    200: jsonResponse(listOf(ScheduleSchema), "A page of schedules"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { userId } = c.req.valid("param");
  const query = c.req.valid("query");
  const owner = { tenantId: c.get("caller").tenantId, userId };
  const after = cursorPosition(query.cursor, isKeysetPosition);
  const page = await userScheduler(c.env, owner).listSchedules(owner, {
    status: query.status,
    from: query.from ? parseInstant(query.from)! : undefined,
    to: query.to ? parseInstant(query.to)! : undefined,
    limit: query.limit,
    after: after ? { scheduledTime: after.at, id: after.id } : undefined,
  });
  const last = page.data.at(-1);
  const nextCursor =
    page.hasMore && last
      ? encodeCursor({ at: Date.parse(last.scheduledTime), id: last.id } satisfies KeysetPosition)
      : null;
  return c.json({ data: page.data, nextCursor }, 200);
};
