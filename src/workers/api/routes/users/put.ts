import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { userScheduler } from "../../user-scheduler";
import { PutUserSchema, UserParams, UserSchema } from "./schema";
import { userView } from "./view";

export const route = createRoute({
  method: "put",
  path: "/v1/users/{userId}",
  tags: ["Users"],
  summary: "Replace a user's settings",
  description: "Fields left out are cleared. The timezone becomes the default of the user's schedules.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: UserParams, body: jsonBody(PutUserSchema) },
  responses: { 200: jsonResponse(UserSchema, "The user"), ...problemResponses(400, 401, 403, 415) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { userId } = c.req.valid("param");
  const owner = { tenantId: c.get("caller").tenantId, userId };
  const saved = await userScheduler(c.env, owner).putUser(owner, c.req.valid("json"));
  return c.json(userView(userId, saved), 200);
};
