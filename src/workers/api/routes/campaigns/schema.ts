import { z } from "@hono/zod-openapi";
import {
  conditionSchema,
  HHMM,
  IsoDurationSchema,
  NotificationTemplateSchema,
  TimezoneSchema,
  UserIdSchema,
} from "../../schemas";

export const MAX_INLINE_AUDIENCE = 100_000;
export const MAX_PHASES = 20;

const IsoDateTime = z.string().max(40).openapi({
  description: "An instant with Z/offset, or a local date-time read in the campaign's `timezone`",
  example: "2027-01-04T09:00:00",
});

export const PhaseSchema = z
  .object({
    name: z.string().min(1).max(200),
    delay: IsoDurationSchema.default("PT0S").openapi({
      description: "ISO 8601 duration from the previous phase (the first: from startDate)",
    }),
    notificationTemplate: NotificationTemplateSchema,
    targetPercentage: z.number().int().min(1).max(100).default(100),
    conditions: z.array(conditionSchema("phase")).max(10).default([]),
  })
  .strict();

export const RulesSchema = z
  .object({
    localTime: HHMM.optional().openapi({
      description: "Each recipient gets it at this wall-clock time in their timezone",
    }),
    optimizeSendTime: z.boolean().optional(),
    respectQuietHours: z.boolean().optional(),
    throttlePerMinute: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

export const AudienceSchema = z.union([
  z.object({ userIds: z.array(UserIdSchema).max(MAX_INLINE_AUDIENCE) }).strict(),
  z.object({ segment: z.string().min(1).max(200) }).strict(),
]);

export const CreateCampaignSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).nullable().optional(),
    audience: AudienceSchema,
    phases: z.array(PhaseSchema).min(1).max(MAX_PHASES),
    rules: RulesSchema.default({}),
    startDate: IsoDateTime,
    endDate: IsoDateTime.nullable().optional(),
    timezone: TimezoneSchema,
  })
  .strict()
  .openapi("CreateCampaign");

export const AppendAudienceSchema = z
  .object({ userIds: z.array(UserIdSchema).min(1).max(MAX_INLINE_AUDIENCE) })
  .strict()
  .openapi("AppendCampaignAudience");

export const CampaignIdParams = z.object({ id: z.string().min(1).max(64) });

const StatusSchema = z.enum(["draft", "scheduled", "running", "paused", "completed", "cancelled"]);

export const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: StatusSchema,
    audience: z.object({ size: z.number() }),
    phases: z.array(
      z.object({
        name: z.string(),
        delay: z.string(),
        notificationTemplate: NotificationTemplateSchema,
        targetPercentage: z.number(),
        conditions: z.array(conditionSchema("phase")),
        dueAt: z.string().openapi({ description: "startDate plus the delays so far (before localTime)" }),
      }),
    ),
    rules: RulesSchema,
    startDate: z.string(),
    endDate: z.string().nullable(),
    timezone: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    scheduledAt: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .openapi("Campaign");

const CountsSchema = z.object({
  scheduled: z.number().openapi({ description: "Schedules created" }),
  sent: z.number().openapi({ description: "Delivered (completed)" }),
  failed: z.number(),
  pending: z.number().openapi({ description: "Pending, paused or executing" }),
  skipped: z
    .number()
    .openapi({ description: "Cancelled: conditions not met, campaign cancelled, user left" }),
});

export const ProgressSchema = z
  .object({
    campaignId: z.string(),
    status: StatusSchema,
    audience: z.number(),
    ...CountsSchema.shape,
    fanOut: z.object({
      chunks: z.number(),
      chunksDone: z.number(),
      recipientsProcessed: z.number(),
      schedulesCreated: z.number().openapi({
        description:
          "Schedules the fan-out created in recipients' objects. The counts above come from the " +
          "tenant-wide index, which follows the objects within about a second: they reach this figure then.",
      }),
      refused: z.number().openapi({ description: "Schedules a recipient's object refused (logged)" }),
    }),
    byPhase: z.array(z.object({ phase: z.string(), ...CountsSchema.shape })),
  })
  .openapi("CampaignProgress");

export const MetricsSchema = z
  .object({
    campaignId: z.string(),
    byPhase: z.array(
      z.object({
        phase: z.string(),
        sent: z.number(),
        opened: z.number(),
        openRate: z.number().nullable(),
      }),
    ),
    sent: z.number(),
    opened: z.number(),
    openRate: z.number().nullable(),
  })
  .openapi("CampaignMetrics");
