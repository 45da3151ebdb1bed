import { z } from "@hono/zod-openapi";
import { SEND_TIME_SOURCES } from "../../../../lib/optimizer/decide";
import { UserIdSchema } from "../../schemas";

export const NotificationTypeSchema = z.string().min(1).max(100).openapi({ example: "daily-digest" });

export const EngagementEventSchema = z.object({
  userId: UserIdSchema,
  notificationType: NotificationTypeSchema,
  event: z.enum(["sent", "delivered", "opened", "clicked", "dismissed"]),
  at: z.string(),
  sendId: z.string().max(200).optional(),
  scheduleId: z.string().max(300).optional(),
  device: z.string().max(100).optional(),
});

export const IngestSchema = z
  .object({ events: z.array(z.unknown()).min(1).max(10_000) })
  .strict()
  .openapi("EngagementBatch", {
    description: "Up to 10,000 events; each is checked on its own (see EngagementEvent)",
  });

export const IngestResultSchema = z
  .object({
    accepted: z.number(),
    rejected: z.number(),
    errors: z.array(z.object({ index: z.number(), message: z.string() })),
  })
  .openapi("EngagementResult");

export const OptimalSendTimeSchema = z
  .object({
    sendAt: z.string(),
    localTime: z.string(),
    timezone: z.string(),
    confidence: z
      .number()
      .openapi({ description: "Probability that sendAt is within 5 % of the user's best slot" }),
    source: z.enum([...SEND_TIME_SOURCES, "override"]),
    engagementProbability: z
      .number()
      .openapi({ description: "Predicted probability that a send at sendAt is opened" }),
    explanation: z.string(),
  })
  .openapi("OptimalSendTime");

export const OptimalSendTimeQuery = z.object({
  type: NotificationTypeSchema.optional().openapi({
    description: "Notification type; default: all types pooled",
  }),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
  businessHoursOnly: z.enum(["true", "false"]).optional(),
});

/** The factor every predicted probability is scaled by (train.ts `recalibration`). */
export const Recalibration = z.number().openapi({
  description:
    "Opens over the model's own predicted opens on this type's optimized sends sent 1 to 15 days ago, held toward 1 (30 pseudo-opens) and within [0.5, 2]; every predicted probability is multiplied by it. 1 until such sends have outcomes.",
  example: 0.91,
});

export const TrainResultSchema = z
  .object({
    modelVersion: z.string(),
    trainedAt: z.string(),
    users: z.number(),
    events: z.number(),
    metrics: z.object({ logLoss: z.number(), auc: z.number(), calibrationError: z.number() }),
    recalibration: Recalibration,
  })
  .openapi("TrainResult");
