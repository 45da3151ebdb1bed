import { z } from "@hono/zod-openapi";
import { MAX_PAYLOAD_BYTES } from "../../../../lib/schedules/model";
import { boundedJsonObject, IsoDurationSchema, PrioritySchema, UserIdSchema } from "../../schemas";
import { EventNameSchema } from "../drips/schema";

const EventConditionSchema = z
  .object({ type: z.enum(["event_seen", "event_not_seen"]), event: EventNameSchema })
  .strict()
  .openapi({ description: "Counted from the triggering event on (the trigger itself excluded)" });

export const CreateConditionalSchema = z
  .object({
    userId: UserIdSchema.optional().openapi({
      description: "Only this user's events; any user's when left out",
    }),
    trigger: z
      .object({
        event: EventNameSchema,
        where: z
          .record(z.string().max(200), z.union([z.string().max(1000), z.number(), z.boolean()]))
          .optional()
          .openapi({ description: "Properties the event must carry with these exact values" }),
      })
      .strict(),
    delay: IsoDurationSchema.openapi({ description: "After the event, e.g. P3D" }),
    notificationId: z.string().min(1).max(200),
    payload: boundedJsonObject(MAX_PAYLOAD_BYTES).optional(),
    priority: PrioritySchema.optional(),
    conditions: z.array(EventConditionSchema).max(10).default([]),
  })
  .strict()
  .openapi("CreateConditionalSchedule");

export const ConditionalSchema = z
  .object({
    id: z.string(),
    userId: z.string().nullable(),
    trigger: z.object({
      event: z.string(),
      where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    }),
    delay: z.string(),
    notificationId: z.string(),
    payload: z.record(z.string(), z.unknown()),
    priority: z.number(),
    conditions: z.array(EventConditionSchema),
    createdAt: z.string(),
  })
  .openapi("ConditionalSchedule");

export const ConditionalIdParams = z.object({ id: z.string().min(1).max(64) });
