import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, problemResponses, UserIdSchema } from "../../schemas";
import { userScheduler } from "../../user-scheduler";
import { loadDrip } from "./drip";

export const route = createRoute({
  method: "delete",
  path: "/v1/drips/{id}/enrollments/{userId}",
  tags: ["Drips and events"],
  summary: "Remove a user from a drip: the remaining steps are cancelled",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: z.object({ id: z.string().min(1).max(64), userId: UserIdSchema }) },
  responses: { 204: { description: "Removed" }, ...problemResponses(401, 403, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id, userId } = c.req.valid("param");
  const { tenantId } = c.get("caller");
  await loadDrip(c.env, tenantId, id);
  const owner = { tenantId, userId };
  const cancelled = await userScheduler(c.env, owner).leaveDrip(owner, id);
  if (cancelled === null) throw new ApiError("not_found", `${userId} is not enrolled in drip ${id}`);
  return c.body(null, 204);
};
