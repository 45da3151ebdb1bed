import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { parseInstant } from "../../../../lib/time/local-time";
import { formatInstant } from "../../../../lib/time/zones";
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
  UserIdSchema,
} from "../../schemas";

const instantQuery = z
  .string()
  .refine((v) => parseInstant(v) !== null, { message: "must be an ISO 8601 instant with Z or an offset" })
  .optional();

const IndexedScheduleSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    notificationId: z.string(),
    scheduledTime: z.string(),
    status: z.string(),
    campaignId: z.string().nullable(),
    recurringPatternId: z.string().nullable(),
    origin: z
      .string()
      .nullable()
      .openapi({ description: "campaign:<id>, drip:<id>:<enrollment>, trigger:<id>" }),
    step: z.number().nullable().openapi({ description: "Campaign phase or drip step index" }),
    openedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("IndexedSchedule");

export const route = createRoute({
  method: "get",
  path: "/v1/schedules",
  tags: ["Schedules"],
  summary: "The tenant's schedules across users, ordered by scheduledTime",
  description:
    "Served from the tenant-wide schedule index, which is written right after each change and may lag the " +
    "users' objects by a few seconds. Items are summaries; GET /v1/schedules/{id} gives the whole schedule.",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: {
    query: ListQuerySchema.extend({
      status: z.enum(["pending", "paused", "executing", "completed", "failed", "cancelled"]).optional(),
      from: instantQuery,
      to: instantQuery,
      userId: UserIdSchema.optional(),
      campaignId: z.string().max(64).optional(),
    }),
  },
  responses: {
    200: jsonResponse(listOf(IndexedScheduleSchema), "A page of schedules"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const after = cursorPosition(query.cursor, isKeysetPosition);
  const rows = await scheduleIndex(c.env.DB, c.get("caller").tenantId).list({
    status: query.status,
    userId: query.userId,
    campaignId: query.campaignId,
    from: query.from ? parseInstant(query.from)! : undefined,
    to: query.to ? parseInstant(query.to)! : undefined,
    limit: query.limit + 1,
    after: after ? { scheduledTime: after.at, id: after.id } : undefined,
  });
  const { page, nextCursor } = keysetPage(rows, query.limit, (r) => r.scheduled_time);
  return c.json(
    {
      data: page.map((r) => ({
        id: r.id,
        userId: r.user_id,
        notificationId: r.notification_id,
        scheduledTime: formatInstant(r.scheduled_time),
        status: r.status,
        campaignId: r.campaign_id,
        recurringPatternId: r.recurring_pattern_id,
        origin: r.origin,
        step: r.step,
        openedAt: r.opened_at === null ? null : formatInstant(r.opened_at),
        updatedAt: formatInstant(r.updated_at),
      })),
      nextCursor,
    },
    200,
  );
};
