import { z } from "@hono/zod-openapi";
import { BusinessHoursSchema, HolidayRegionSchema, TimezoneSchema } from "../../schemas";

const Instant = z.string().openapi({ example: "2027-03-14T07:00:00.000Z" });

export const TransitionSchema = z
  .object({
    at: Instant,
    offsetBeforeMinutes: z.number().int(),
    offsetAfterMinutes: z.number().int(),
  })
  .openapi("Transition");

export const TimezoneInfoQuery = z.object({
  tz: TimezoneSchema,
  at: z.string().optional().openapi({
    description: "Instant (ISO 8601 with Z or offset); default now",
    example: "2027-07-01T12:00:00Z",
  }),
});

export const TimezoneInfoSchema = z
  .object({
    timezone: z.string(),
    offsetMinutes: z.number().int(),
    utcOffset: z.string().openapi({ example: "+02:00" }),
    isDST: z.boolean().openapi({ description: "Offset above the zone's standard offset (DESIGN P8)" }),
    abbreviation: z.string(),
    nextTransition: TransitionSchema.nullable(),
  })
  .openapi("TimezoneInfo");

export const TransitionsQuery = z.object({
  tz: TimezoneSchema,
  year: z.coerce.number().int().min(1900).max(2200).optional().openapi({ description: "Default: this year" }),
});

export const TransitionsSchema = z
  .object({ transitions: z.array(TransitionSchema.extend({ isDSTAfter: z.boolean() })) })
  .openapi("Transitions");

export const ConvertSchema = z
  .object({
    dateTime: z.string().openapi({
      description: "An instant (with Z or offset), or a local time without offset read in `from`",
      example: "2027-03-14T02:30:00",
    }),
    from: TimezoneSchema.optional(),
    to: TimezoneSchema,
  })
  .strict()
  .openapi("ConvertRequest");

export const ConvertResultSchema = z
  .object({
    utc: Instant,
    local: z.string().openapi({ example: "2027-03-14T03:00:00.000-04:00" }),
    offsetMinutes: z.number().int(),
    adjusted: z
      .boolean()
      .openapi({ description: "The local time did not exist; moved to the gap's end (P1)" }),
    ambiguous: z
      .boolean()
      .openapi({ description: "The local time occurred twice; the earlier instant (P1)" }),
  })
  .openapi("ConvertResult");

export const BusinessHoursCheckSchema = z
  .object({
    at: z.string().openapi({ example: "2027-06-07T08:30:00Z" }),
    timezone: TimezoneSchema,
    businessHours: BusinessHoursSchema.optional().openapi({
      description: "Default: the tenant's business hours, else Monday–Friday 09:00–17:00",
    }),
    holidayCountry: HolidayRegionSchema.optional().openapi({ description: "Default: the tenant's" }),
  })
  .strict()
  .openapi("BusinessHoursCheck");

export const BusinessHoursAnswerSchema = z
  .object({ isBusinessHours: z.boolean(), nextBusinessHour: Instant.nullable() })
  .openapi("BusinessHoursAnswer");
