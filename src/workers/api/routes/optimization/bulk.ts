import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { forEachConcurrently } from "../../../../lib/concurrency";
import { ApiError, problem } from "../../../../lib/errors";
import { formatInstant } from "../../../../lib/time/zones";
import { withSecondOpinion } from "../../../optimizer/ai";
import { loadPrior } from "../../../optimizer/models";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  jsonBody,
  jsonResponse,
  ProblemSchema,
  problemResponses,
  UserIdSchema,
} from "../../schemas";
import { tenantDefaults, userScheduler } from "../../user-scheduler";
import { sendWindow } from "./optimal-send-time";
import { NotificationTypeSchema, OptimalSendTimeSchema } from "./schema";

const RequestItem = z.object({
  userId: UserIdSchema,
  type: NotificationTypeSchema.optional(),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
});

export const route = createRoute({
  method: "post",
  path: "/v1/optimization/bulk",
  tags: ["Send-time optimization"],
  summary: "Optimal send times for up to 10,000 users at once, in request order",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: {
    body: jsonBody(
      z
        .object({ requests: z.array(z.unknown()).min(1).max(10_000) })
        .strict()
        .openapi("OptimizationBulk"),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({
        results: z.array(
          OptimalSendTimeSchema.partial().extend({
            index: z.number(),
            userId: z.string().optional(),
            error: ProblemSchema.optional(),
          }),
        ),
      }),
      "One result per request",
    ),
    ...problemResponses(400, 401, 413, 415),
  },
});

type Result = Record<string, unknown> & { index: number };

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { requests } = c.req.valid("json");
  const caller = c.get("caller");
  const results: Result[] = new Array(requests.length);
  await forEachConcurrently(
    requests.map((raw, index) => ({ raw, index })),
    16,
    async ({ raw, index }) => {
      const parsed = RequestItem.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const path = issue.path.join(".") || "(request)";
        results[index] = {
          index,
          error: problem("validation_error", `${path}: ${issue.message}`, [{ path, message: issue.message }]),
        };
        return;
      }
      const { userId, type = "*" } = parsed.data;
      try {
        const { notBefore, notAfter } = sendWindow(parsed.data.notBefore, parsed.data.notAfter, "");
        const owner = { tenantId: caller.tenantId, userId };
        const decision = await userScheduler(c.env, owner).optimalSendTime(
          owner,
          { type, notBefore, notAfter },
          await loadPrior(c.env, caller.tenantId, type),
          tenantDefaults(caller.tenant),
        );
        if (!decision) throw new ApiError("invalid_state", "no allowed time in the window");
        const answer = await withSecondOpinion(c.env, decision, decision.explanation);
        results[index] = {
          index,
          userId,
          sendAt: formatInstant(answer.at),
          localTime: answer.localTime,
          timezone: answer.timezone,
          confidence: Math.round(answer.confidence * 1000) / 1000,
          source: answer.source,
          engagementProbability: Math.round(answer.engagementProbability * 10_000) / 10_000,
          explanation: answer.explanation,
        };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        results[index] = { index, userId, error: problem(error.code, error.detail, error.fieldErrors) };
      }
    },
  );
  return c.json({ results }, 200);
};
