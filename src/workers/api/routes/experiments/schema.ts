import { z } from "@hono/zod-openapi";
import { HHMM } from "../../schemas";
import { NotificationTypeSchema } from "../optimization/schema";

export const VariantSchema = z
  .object({
    name: z.string().min(1).max(100),
    strategy: z.enum(["optimized", "fixed"]),
    localTime: HHMM.optional().openapi({ description: "For strategy fixed: the user's local time" }),
  })
  .strict()
  .refine((v) => v.strategy !== "fixed" || v.localTime !== undefined, {
    message: "a fixed variant needs localTime",
    path: ["localTime"],
  });

export const CreateExperimentSchema = z
  .object({
    name: z.string().min(1).max(200),
    notificationType: NotificationTypeSchema,
    variants: z.array(VariantSchema).min(2).max(10),
    allocation: z.array(z.number().positive()).min(2).max(10),
  })
  .strict()
  .refine((e) => e.allocation.length === e.variants.length, {
    message: "needs one share per variant",
    path: ["allocation"],
  })
  .openapi("CreateExperiment");

export const ExperimentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    notificationType: z.string(),
    variants: z.array(z.object({ name: z.string(), strategy: z.string(), localTime: z.string().optional() })),
    allocation: z.array(z.number()),
    status: z.enum(["running", "stopped"]),
    createdAt: z.string(),
  })
  .openapi("Experiment");

export const ExperimentResultsSchema = z
  .object({
    experimentId: z.string(),
    control: z
      .string()
      .openapi({ description: "The variant lift and p-values compare with (the first fixed one)" }),
    variants: z.array(
      z.object({
        name: z.string(),
        sends: z.number(),
        opens: z.number(),
        rate: z.number().nullable(),
        interval95: z.tuple([z.number(), z.number()]),
        lift: z.number().nullable(),
        pValue: z.number().nullable(),
      }),
    ),
    sampleSizePerVariant: z.number().nullable().openapi({
      description:
        "Sends per variant to detect a 10 % relative lift at the control's rate (α 0.05, power 0.8)",
    }),
  })
  .openapi("ExperimentResults");

export const ExperimentIdParams = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
