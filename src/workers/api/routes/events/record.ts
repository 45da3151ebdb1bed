import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { derivedScheduleId } from "../../../../lib/ids";
import { matchesWhere } from "../../../../lib/journeys/conditions";
import { cumulativeDueTimes, parseDelay } from "../../../../lib/journeys/timing";
import type { CreateScheduleCommand } from "../../../../lib/schedules/commands";
import { DEFAULT_RETRY_CONFIG } from "../../../../lib/schedules/model";
import { parseInstant } from "../../../../lib/time/local-time";
import { formatInstant } from "../../../../lib/time/zones";
import { dripStore } from "../../../db/drip-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  boundedJsonObject,
  jsonBody,
  jsonResponse,
  problemResponses,
  UserIdSchema,
} from "../../schemas";
import { createSchedulesFor, failureToError, tenantDefaults, userScheduler } from "../../user-scheduler";
import { type ConditionalDefinition, openConditionalPayload } from "../conditional-schedules/conditional";
import { enrollUser } from "../drips/drip";
import { EventNameSchema } from "../drips/schema";

/** Events may arrive late, but not from the future (clock skew of a few minutes is fine). */
const MAX_FUTURE_MS = 5 * 60_000;

const EventSchema = z
  .object({
    userId: UserIdSchema,
    name: EventNameSchema,
    properties: boundedJsonObject(16 * 1024).optional(),
    at: z.string().max(40).optional().openapi({ description: "When it happened (default now)" }),
  })
  .strict()
  .openapi("Event");

const EventAnswerSchema = z
  .object({
    accepted: z.literal(true),
    exitedDrips: z.array(z.string()),
    enrolled: z.array(z.object({ dripId: z.string(), enrollment: z.number() })),
    scheduled: z.array(z.object({ conditionalScheduleId: z.string(), scheduleId: z.string() })),
  })
  .openapi("EventAccepted");

export const route = createRoute({
  method: "post",
  path: "/v1/events",
  tags: ["Drips and events"],
  summary: "Record a user's event: it exits drips, enrolls triggered ones and starts conditional schedules",
  description:
    'The event is kept in the user\'s object for conditions checked at fire time ("event X not seen"). ' +
    "Sending the same event (user, name, at) again creates no second conditional schedule.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { body: jsonBody(EventSchema) },
  responses: {
    202: jsonResponse(EventAnswerSchema, "Accepted"),
    ...problemResponses(400, 401, 403, 413, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const caller = c.get("caller");
  const now = Date.now();
  const at = body.at === undefined ? now : parseInstant(body.at as string);
  if (at === null || at > now + MAX_FUTURE_MS) {
    throw new ApiError("validation_error", "at: must be an ISO 8601 instant, not in the future", [
      { path: "at", message: "must be an ISO 8601 instant with Z or an offset, at most 5 minutes ahead" },
    ]);
  }
  const owner = { tenantId: caller.tenantId, userId: body.userId };
  const properties = body.properties ?? {};
  const recorded = await userScheduler(c.env, owner).recordEvent(owner, { name: body.name, at, properties });
  const store = dripStore(c.env.DB, caller.tenantId);

  const enrolled: { dripId: string; enrollment: number }[] = [];
  for (const drip of await store.dripsTriggeredBy(body.name)) {
    const result = await enrollUser(c.env, caller.tenant, drip, body.userId, at);
    if ("refused" in result) continue;
    enrolled.push({ dripId: drip.id, enrollment: result.enrollment });
  }

  const rules = (await store.conditionalsTriggeredBy(body.name, body.userId))
    .map((row) => ({ row, def: JSON.parse(row.definition) as ConditionalDefinition }))
    .filter(({ def }) => matchesWhere(def.where, properties));
  const commands: CreateScheduleCommand[] = [];
  for (const { row: rule, def } of rules) {
    const origin = `trigger:${rule.id}`;
    const [due] = cumulativeDueTimes(at, [parseDelay(def.delay)!], "UTC");
    commands.push({
      // One schedule per (rule, user, event instant): the same event sent twice creates it once.
      id: await derivedScheduleId(origin, body.userId, at),
      notificationId: def.notificationId,
      scheduledTime: formatInstant(due!),
      priority: def.priority,
      retryConfig: caller.tenant.settings.retryConfig ?? DEFAULT_RETRY_CONFIG,
      payload: await openConditionalPayload(c.env, rule),
      metadata: { conditionalScheduleId: rule.id, event: body.name },
      origin,
      // The trigger itself does not count: conditions look at what happened after it.
      conditions: def.conditions.map((cond) => ({ ...cond, since: at + 1 })),
      allowPast: true,
    });
  }
  const scheduled: { conditionalScheduleId: string; scheduleId: string }[] = [];
  if (commands.length > 0) {
    const results = await createSchedulesFor(c.env, owner, commands, tenantDefaults(caller.tenant));
    results.forEach((r, i) => {
      if (!r.ok) throw failureToError(r);
      scheduled.push({ conditionalScheduleId: rules[i]!.row.id, scheduleId: r.schedule.id });
    });
  }
  return c.json({ accepted: true as const, exitedDrips: recorded.exitedDrips, enrolled, scheduled }, 202);
};
