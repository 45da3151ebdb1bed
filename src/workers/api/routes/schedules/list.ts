import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { forEachConcurrently } from "../../../../lib/concurrency";
import type { ScheduleView } from "../../../../lib/schedules/view";
import { parseInstant } from "../../../../lib/time/local-time";
import { scheduleIndex } from "../../../db/schedule-index";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  cursorPosition,
  isKeysetPosition,
  jsonResponse,
  keysetPage,
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
  path: "/v1/schedules",
  tags: ["Schedules"],
  summary: "The tenant's schedules across users, ordered by scheduledTime",
  description:
    "Which schedules match comes from the tenant-wide schedule index, written right after each change (it " +
    "may lag the users' objects by a few seconds); each item is then read from its user's object, so it is " +
    "the schedule as it is now.",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: {
    query: ListQuerySchema.extend({
      ...ScheduleFilterQuerySchema,
      userId: UserIdSchema.optional(),
      campaignId: z.string().max(64).optional(),
    }),
  },
  responses: {
    200: jsonResponse(listOf(ScheduleSchema), "A page of schedules"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const after = cursorPosition(query.cursor, isKeysetPosition);
  const tenantId = c.get("caller").tenantId;
  const rows = await scheduleIndex(c.env.DB, tenantId).list({
    status: query.status,
    userId: query.userId,
    campaignId: query.campaignId,
    from: query.from ? parseInstant(query.from)! : undefined,
    to: query.to ? parseInstant(query.to)! : undefined,
    limit: query.limit + 1,
    after: after ? { scheduledTime: after.at, id: after.id } : undefined,
  });
  const { page, nextCursor } = keysetPage(rows, query.limit, (r) => r.scheduled_time);
  const byUser = new Map<string, string[]>();
  for (const r of page) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r.id]);
  const views = new Map<string, ScheduleView>();
  await forEachConcurrently([...byUser], 16, async ([userId, ids]) => {
    const owner = { tenantId, userId };
    for (const view of await userScheduler(c.env, owner).getSchedules(owner, ids)) views.set(view.id, view);
  });
  // An index row whose schedule is gone from its object (a user erased meanwhile) is left out.
  const data = page.map((r) => views.get(r.id)).filter((v): v is ScheduleView => v !== undefined);
  return c.json({ data, nextCursor }, 200);
};
