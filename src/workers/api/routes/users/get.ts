import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { userScheduler } from "../../user-scheduler";
import { UserParams, UserSchema } from "./schema";
import { userView } from "./view";

export const route = createRoute({
  method: "get",
  path: "/v1/users/{userId}",
  tags: ["Users"],
  summary: "Get a user's settings",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: UserParams },
  responses: { 200: jsonResponse(UserSchema, "The user"), ...problemResponses(401, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { userId } = c.req.valid("param");
  const owner = { tenantId: c.get("caller").tenantId, userId };
  const settings = await userScheduler(c.env, owner).getUser(owner);
  if (!settings) throw new ApiError("not_found", `no user ${userId}`);
  return c.json(userView(userId, settings), 200);
};
