import { z } from "@hono/zod-openapi";
import { MAX_PAYLOAD_BYTES } from "../../../../lib/schedules/model";
import {
  BusinessHoursSchema,
  boundedJsonObject,
  HolidayRegionSchema,
  PrioritySchema,
  TimezoneSchema,
  UserIdSchema,
} from "../../schemas";

export const MAX_TARGET_USERS = 100;

const IsoDateTime = z.string().max(40).openapi({
  description: "Local date-time (read in `timezone`) or an instant with Z/offset",
  example: "2027-01-04T09:00:00",
});

/** The rule fields, shared by create, patch and the stateless preview. */
export const ruleFields = {
  cronExpression: z.string().max(256).optional().openapi({ example: "0 9 * * MON-FRI" }),
  intervalType: z.enum(["minutes", "hours", "days", "weeks", "months", "years"]).optional(),
  intervalValue: z.number().int().min(1).max(100_000).optional(),
  timezone: TimezoneSchema,
  startDate: IsoDateTime,
  endDate: IsoDateTime.nullable().optional(),
  maxOccurrences: z.number().int().min(1).max(1_000_000).nullable().optional(),
  businessHoursOnly: z.boolean().optional(),
  businessHours: BusinessHoursSchema.optional(),
  skipWeekends: z.boolean().optional(),
  skipHolidays: z.boolean().optional(),
  holidayCountry: HolidayRegionSchema.optional(),
};

export const TargetSchema = z
  .union([
    z.object({ userId: UserIdSchema }).strict(),
    z.object({ userIds: z.array(UserIdSchema).min(1).max(MAX_TARGET_USERS) }).strict(),
  ])
  .openapi("PatternTarget", { description: `One user, or up to ${MAX_TARGET_USERS} users` });

const patternFields = {
  name: z.string().min(1).max(200),
  description: z.string().max(2000).nullable().optional(),
  target: TargetSchema,
  notificationId: z.string().min(1).max(200),
  payload: boundedJsonObject(MAX_PAYLOAD_BYTES).optional(),
  priority: PrioritySchema.optional(),
};

export const CreatePatternSchema = z
  .object({ ...patternFields, ...ruleFields })
  .strict()
  .openapi("CreateRecurringPattern");

export const PatchPatternSchema = z
  .object({
    name: patternFields.name.optional(),
    description: patternFields.description,
    target: TargetSchema.optional(),
    notificationId: patternFields.notificationId.optional(),
    payload: patternFields.payload,
    priority: patternFields.priority,
    cronExpression: z.string().max(256).nullable().optional(),
    intervalType: ruleFields.intervalType.nullable(),
    intervalValue: ruleFields.intervalValue.nullable(),
    timezone: TimezoneSchema.optional(),
    startDate: IsoDateTime.optional(),
    endDate: ruleFields.endDate,
    maxOccurrences: ruleFields.maxOccurrences,
    businessHoursOnly: ruleFields.businessHoursOnly,
    businessHours: BusinessHoursSchema.nullable().optional(),
    skipWeekends: ruleFields.skipWeekends,
    skipHolidays: ruleFields.skipHolidays,
    holidayCountry: HolidayRegionSchema.nullable().optional(),
  })
  .strict()
  .openapi("UpdateRecurringPattern");

export const PreviewSchema = z
  .object({
    ...ruleFields,
    count: z.number().int().min(1).max(1000).default(10),
    after: z.string().max(40).optional().openapi({ description: "Only occurrences after this instant" }),
  })
  .strict()
  .openapi("PreviewRecurringPattern");

export const ValidateSchema = z
  .object({ cronExpression: z.string().max(1000), timezone: TimezoneSchema.optional() })
  .strict()
  .openapi("ValidateCron");

export const ValidationSchema = z
  .object({
    valid: z.boolean(),
    kind: z.enum(["fixed-time", "interval-like"]).optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    description: z.string().optional(),
    next: z.array(z.string()).optional(),
  })
  .openapi("CronValidation");

export const OccurrencesSchema = z
  .object({ occurrences: z.array(z.string().openapi({ example: "2027-01-04T08:00:00.000Z" })) })
  .openapi("Occurrences");

export const PatternSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    cronExpression: z.string().nullable(),
    intervalType: z.string().nullable(),
    intervalValue: z.number().nullable(),
    timezone: z.string(),
    startDate: z.string(),
    endDate: z.string().nullable(),
    maxOccurrences: z.number().nullable(),
    businessHoursOnly: z.boolean(),
    businessHours: BusinessHoursSchema.nullable(),
    skipWeekends: z.boolean(),
    skipHolidays: z.boolean(),
    holidayCountry: z.string().nullable(),
    target: TargetSchema,
    notificationId: z.string(),
    payload: z.record(z.string(), z.unknown()),
    priority: z.number(),
    status: z.enum(["active", "paused", "completed"]),
    humanDescription: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("RecurringPattern");

export const PatternStatusSchema = z
  .object({
    isActive: z.boolean(),
    status: z.enum(["active", "paused", "completed"]),
    occurrencesGenerated: z.number(),
    nextOccurrence: z.string().nullable(),
    lastGeneratedAt: z.string().nullable(),
    generatedUntil: z.string().nullable(),
  })
  .openapi("RecurringPatternStatus");

export const PatternIdParams = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "rpt_0a1b2c3d4e5f6g7h8i9j" }),
});

export const OccurrencesQuery = z.object({
  count: z.coerce.number().int().min(1).max(1000).default(10),
  after: z.string().max(40).optional(),
});
