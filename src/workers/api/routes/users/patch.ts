import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { userScheduler } from "../../user-scheduler";
import { PatchUserSchema, UserParams, UserSchema } from "./schema";
import { userView } from "./view";

export const route = createRoute({
  method: "patch",
  path: "/v1/users/{userId}",
  tags: ["Users"],
  summary: "Merge changes into a user's settings",
  description: "A user that does not exist yet needs a `timezone`.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: UserParams, body: jsonBody(PatchUserSchema) },
  responses: { 200: jsonResponse(UserSchema, "The user"), ...problemResponses(400, 401, 403, 415) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { userId } = c.req.valid("param");
  const owner = { tenantId: c.get("caller").tenantId, userId };
  const stub = userScheduler(c.env, owner);
  const current = await stub.getUser(owner);
  const merged = { ...current, ...c.req.valid("json") };
  if (!merged.timezone)
    throw ApiError.validation("timezone", "is required for a user that has no settings yet");
  const saved = await stub.putUser(owner, { ...merged, timezone: merged.timezone });
  return c.json(userView(userId, saved), 200);
};
