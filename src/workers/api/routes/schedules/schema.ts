import { z } from "@hono/zod-openapi";
import { DEFAULT_RETRY_CONFIG, MAX_METADATA_BYTES, MAX_PAYLOAD_BYTES } from "../../../../lib/schedules/model";
import {
  boundedJsonObject,
  InstantStringSchema,
  PrioritySchema,
  TimezoneSchema,
  UserIdSchema,
} from "../../schemas";

export const RetryConfigSchema = z
  .object({
    maxRetries: z.number().int().min(0).max(20).default(DEFAULT_RETRY_CONFIG.maxRetries),
    backoff: z.enum(["fixed", "linear", "exponential", "jittered"]).default(DEFAULT_RETRY_CONFIG.backoff),
    initialDelaySeconds: z.number().min(0).max(86_400).default(DEFAULT_RETRY_CONFIG.initialDelaySeconds),
    maxDelaySeconds: z.number().min(0).max(86_400).default(DEFAULT_RETRY_CONFIG.maxDelaySeconds),
  })
  .strict()
  .refine((r) => r.maxDelaySeconds >= r.initialDelaySeconds, {
    message: "maxDelaySeconds must be at least initialDelaySeconds",
    path: ["maxDelaySeconds"],
  })
  .openapi("RetryConfig");

export const ScheduledTimeSchema = z
  .string()
  .max(40)
  .openapi({
    description:
      "An instant (`2026-12-01T08:00:00Z`, or with an offset) or a local wall-clock time without offset " +
      "(`2026-12-01T09:00:00`) read in `timezone`",
    example: "2026-12-01T09:00:00",
  });

export const CreateScheduleSchema = z
  .object({
    userId: UserIdSchema,
    notificationId: z.string().min(1).max(200),
    scheduledTime: ScheduledTimeSchema.optional(),
    sendTime: z
      .object({
        optimize: z.literal(true),
        notBefore: z.string().optional(),
        notAfter: z.string().optional(),
        type: z.string().optional(),
      })
      .optional(),
    timezone: TimezoneSchema.optional(),
    priority: PrioritySchema.optional(),
    retryConfig: RetryConfigSchema.optional(),
    payload: boundedJsonObject(MAX_PAYLOAD_BYTES).optional(),
    metadata: boundedJsonObject(MAX_METADATA_BYTES).optional(),
    businessHoursOnly: z.boolean().optional(),
    respectQuietHours: z.boolean().optional(),
    idempotencyKey: z.string().min(1).max(255).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.sendTime && body.scheduledTime !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["sendTime"],
        message: "give scheduledTime or sendTime, not both",
      });
    } else if (!body.sendTime && body.scheduledTime === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["scheduledTime"],
        message: "is required (or sendTime.optimize)",
      });
    }
  })
  .openapi("CreateSchedule");

export type CreateScheduleBody = z.infer<typeof CreateScheduleSchema>;

export const UpdateScheduleSchema = z
  .object({
    scheduledTime: ScheduledTimeSchema.optional(),
    timezone: TimezoneSchema.optional(),
    priority: PrioritySchema.optional(),
    payload: boundedJsonObject(MAX_PAYLOAD_BYTES).optional(),
    metadata: boundedJsonObject(MAX_METADATA_BYTES).optional(),
    retryConfig: RetryConfigSchema.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: "name at least one field to change" })
  .openapi("UpdateSchedule");

export const ScheduleSchema = z
  .object({
    id: z.string().openapi({ example: "sch_3k2j4h5g6f7d8s9a0q1wdTE" }),
    userId: z.string(),
    notificationId: z.string(),
    scheduledTime: InstantStringSchema,
    timezone: z.string(),
    localTime: z.string().openapi({ example: "2026-12-01T09:00:00.000+01:00" }),
    status: z.enum(["pending", "paused", "executing", "completed", "failed", "cancelled"]),
    priority: z.number().int(),
    retryConfig: z.object({
      maxRetries: z.number(),
      backoff: z.string(),
      initialDelaySeconds: z.number(),
      maxDelaySeconds: z.number(),
    }),
    payload: z.unknown(),
    metadata: z.unknown(),
    attempts: z.number().int(),
    recurringPatternId: z.string().nullable(),
    campaignId: z.string().nullable(),
    sendTimeSource: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    executedAt: z.string().nullable(),
    failureReason: z.string().nullable(),
    adjusted: z
      .boolean()
      .optional()
      .openapi({ description: "On create: the local time did not exist and was moved" }),
    ambiguous: z
      .boolean()
      .optional()
      .openapi({ description: "On create: the local time occurred twice; the earlier instant was taken" }),
    optimization: z
      .object({ confidence: z.number(), engagementProbability: z.number(), explanation: z.string() })
      .optional()
      .openapi({ description: "On create with sendTime.optimize: why this time" }),
  })
  .openapi("Schedule");

export const ScheduleIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: "id", in: "path" }, example: "sch_..." }),
});

export const ExecutionSchema = z
  .object({
    id: z.string(),
    executionId: z.string(),
    attempt: z.number().int(),
    status: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    httpStatus: z.number().nullable(),
    error: z.string().nullable(),
  })
  .openapi("Execution");
