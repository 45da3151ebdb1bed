import { z } from "@hono/zod-openapi";
import { HHMM, HolidayRegionSchema, TimezoneSchema, UserIdSchema } from "../../schemas";

const settingsFields = {
  timezone: TimezoneSchema,
  locale: z.string().min(2).max(35).nullable().optional(),
  quietHours: z.object({ start: HHMM, end: HHMM }).strict().nullable().optional(),
  holidayCountry: HolidayRegionSchema.nullable().optional(),
  calendarIcsUrl: z.string().url().max(2048).nullable().optional(),
};

export const PutUserSchema = z.object(settingsFields).strict().openapi("UserSettings");
export const PatchUserSchema = z
  .object({ ...settingsFields, timezone: TimezoneSchema.optional() })
  .strict()
  .openapi("UserSettingsPatch");

export const UserSchema = z
  .object({
    userId: z.string(),
    timezone: z.string(),
    locale: z.string().nullable(),
    quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
    holidayCountry: z.string().nullable(),
    calendarIcsUrl: z.string().nullable(),
  })
  .openapi("User");

export const UserParams = z.object({
  userId: UserIdSchema.openapi({ param: { name: "userId", in: "path" } }),
});
