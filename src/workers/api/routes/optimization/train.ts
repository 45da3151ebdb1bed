import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { trainTenant } from "../../../optimizer/models";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { TrainResultSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/optimization/train",
  tags: ["Send-time optimization"],
  summary: "Recompute the tenant's priors (global curve, timing shapes) from the users' profiles",
  security: bearerSecurity,
  middleware: [requireRole("admin")] as const,
  responses: { 200: jsonResponse(TrainResultSchema, "The new model"), ...problemResponses(401, 403, 409) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const now = Date.now();
  const model = await trainTenant(c.env, c.get("caller").tenantId, now);
  if (!model) throw new ApiError("invalid_state", "no engagement data yet: POST /v1/engagement first");
  return c.json(
    {
      modelVersion: model.version,
      trainedAt: new Date(now).toISOString(),
      users: model.users,
      events: model.events,
      metrics: model.metrics,
      recalibration: model.prior.calibration ?? 1,
    },
    200,
  );
};
