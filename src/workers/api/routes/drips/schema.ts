import { z } from "@hono/zod-openapi";
import { conditionSchema, IsoDurationSchema, NotificationTemplateSchema, UserIdSchema } from "../../schemas";

export const EventNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "must be 1-200 characters of A-Z a-z 0-9 _ . : -")
  .openapi({ example: "purchase" });

const StepSchema = z
  .object({
    delay: IsoDurationSchema.openapi({
      description: "ISO 8601 duration from the previous step (the first: from enrollment)",
    }),
    notificationTemplate: NotificationTemplateSchema,
    conditions: z.array(conditionSchema("step")).max(10).default([]),
  })
  .strict();

export const CreateDripSchema = z
  .object({
    name: z.string().min(1).max(200),
    steps: z.array(StepSchema).min(1).max(50),
    exitOn: z
      .array(EventNameSchema)
      .max(20)
      .default([])
      .openapi({ description: "Events that end an enrollment" }),
    trigger: z.object({ event: EventNameSchema }).strict().optional().openapi({
      description: "An event (POST /v1/events) that enrolls its user",
    }),
    reenroll: z.enum(["never", "after_completion"]).default("never").openapi({
      description:
        "never: a user goes through the drip once; after_completion: again once the last enrollment ended",
    }),
  })
  .strict()
  .openapi("CreateDrip");

export const DripSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    steps: z.array(
      z.object({
        delay: z.string(),
        notificationTemplate: NotificationTemplateSchema,
        conditions: z.array(conditionSchema("step")),
      }),
    ),
    exitOn: z.array(z.string()),
    trigger: z.object({ event: z.string() }).nullable(),
    reenroll: z.enum(["never", "after_completion"]),
    createdAt: z.string(),
  })
  .openapi("Drip");

export const DripIdParams = z.object({ id: z.string().min(1).max(64) });

export const EnrollSchema = z
  .object({
    userId: UserIdSchema,
    at: z
      .string()
      .max(40)
      .optional()
      .openapi({ description: "Enrollment instant (default now); step delays count from it" }),
  })
  .strict()
  .openapi("Enroll");

export const EnrollmentSchema = z
  .object({
    dripId: z.string(),
    userId: z.string(),
    enrollment: z.number().openapi({ description: "The user's enrollment number in this drip (0 first)" }),
    scheduleIds: z.array(z.string()),
  })
  .openapi("Enrollment");
