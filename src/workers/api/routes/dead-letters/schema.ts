import { z } from "@hono/zod-openapi";
import type { deadLetters } from "../../../../lib/db/d1-schema";

export const DeadLetterSchema = z
  .object({
    id: z.string(),
    scheduleId: z.string(),
    executionId: z.string(),
    userId: z.string(),
    notificationId: z.string(),
    reason: z.string(),
    attempts: z.number().int(),
    lastHttpStatus: z.number().int().nullable(),
    failedAt: z.string(),
    retriedAt: z.string().nullable(),
  })
  .openapi("DeadLetter");

export function deadLetterView(row: typeof deadLetters.$inferSelect) {
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    executionId: row.executionId,
    userId: row.userId,
    notificationId: row.notificationId,
    reason: row.reason,
    attempts: row.attempts,
    lastHttpStatus: row.lastHttpStatus,
    failedAt: new Date(row.failedAt).toISOString(),
    retriedAt: row.retriedAt === null ? null : new Date(row.retriedAt).toISOString(),
  };
}
