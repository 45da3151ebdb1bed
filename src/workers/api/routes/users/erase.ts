import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { scheduleIndex } from "../../../db/schedule-index";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, problemResponses } from "../../schemas";
import { userScheduler } from "../../user-scheduler";
import { UserParams } from "./schema";

export const route = createRoute({
  method: "delete",
  path: "/v1/users/{userId}",
  tags: ["Users"],
  summary: "Erase a user (GDPR)",
  description: "Every schedule, attempt and setting of the user is deleted from the user's Durable Object.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: UserParams },
  responses: { 202: { description: "Erased" }, ...problemResponses(401, 403) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { userId } = c.req.valid("param");
  const owner = { tenantId: c.get("caller").tenantId, userId };
  await userScheduler(c.env, owner).eraseUser(owner);
  await scheduleIndex(c.env.DB, owner.tenantId).eraseUser(userId);
  await tenantStore(c.env.DB, owner.tenantId).audit(c.get("caller").keyId, "user.erase", userId);
  return c.body(null, 202);
};
