import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { MAX_WINDOW_MS } from "../../../../lib/optimizer/resolve";
import { formatInstant } from "../../../../lib/time/zones";
import { withSecondOpinion } from "../../../optimizer/ai";
import { loadPrior } from "../../../optimizer/models";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, instantParam, jsonResponse, problemResponses } from "../../schemas";
import { tenantDefaults, userScheduler } from "../../user-scheduler";
import { UserParams } from "../users/schema";
import { OptimalSendTimeQuery, OptimalSendTimeSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/users/{userId}/optimal-send-time",
  tags: ["Send-time optimization"],
  summary: "The best time to send this user a notification of a type, within a window",
  description:
    "The window is [notBefore, notAfter], both inclusive, at most 14 days (default: now … now + 24 h). The " +
    "answer never falls in the user's quiet hours, nor outside business hours when `businessHoursOnly=true`.",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: UserParams, query: OptimalSendTimeQuery },
  responses: {
    200: jsonResponse(OptimalSendTimeSchema, "The chosen time and why"),
    ...problemResponses(400, 401, 409),
  },
});

/** The window of a send-time question, or a 400 naming the field. */
export function sendWindow(
  notBeforeText: string | undefined,
  notAfterText: string | undefined,
  prefix: string,
) {
  const notBefore = instantParam(notBeforeText, `${prefix}notBefore`);
  const notAfter =
    notAfterText === undefined ? notBefore + 86_400_000 : instantParam(notAfterText, `${prefix}notAfter`);
  if (notAfter < notBefore || notAfter - notBefore > MAX_WINDOW_MS) {
    throw ApiError.validation(`${prefix}notAfter`, "must be after notBefore, at most 14 days later");
  }
  return { notBefore, notAfter };
}

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { userId } = c.req.valid("param");
  const query = c.req.valid("query");
  const caller = c.get("caller");
  const { notBefore, notAfter } = sendWindow(query.notBefore, query.notAfter, "query.");
  const type = query.type ?? "*";
  const prior = await loadPrior(c.env, caller.tenantId, type);
  const owner = { tenantId: caller.tenantId, userId };
  const decision = await userScheduler(c.env, owner).optimalSendTime(
    owner,
    { type, notBefore, notAfter, businessHoursOnly: query.businessHoursOnly === "true" },
    prior,
    tenantDefaults(caller.tenant),
  );
  if (!decision) {
    throw new ApiError(
      "invalid_state",
      "no allowed time in the window (quiet hours or business hours cover it all)",
    );
  }
  const answer = await withSecondOpinion(c.env, decision, decision.explanation);
  return c.json(
    {
      sendAt: formatInstant(answer.at),
      localTime: answer.localTime,
      timezone: answer.timezone,
      confidence: Math.round(answer.confidence * 1000) / 1000,
      source: answer.source,
      engagementProbability: Math.round(answer.engagementProbability * 10_000) / 10_000,
      explanation: answer.explanation,
    },
    200,
  );
};
