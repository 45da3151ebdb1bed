import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { newId } from "../../../../lib/ids";
import { type ExperimentRow, experimentStore } from "../../../db/experiment-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { CreateExperimentSchema, ExperimentSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/experiments",
  tags: ["Send-time optimization"],
  summary: "Start a send-time experiment on a notification type",
  description:
    "Schedules created with `sendTime.optimize` for this type are assigned to a variant by a stable hash of " +
    "the user id: `optimized` uses the optimizer, `fixed` sends at `localTime` in the user's timezone.",
  security: bearerSecurity,
  middleware: [requireRole("admin")] as const,
  request: { body: jsonBody(CreateExperimentSchema) },
  responses: {
    201: jsonResponse(ExperimentSchema, "The experiment"),
    ...problemResponses(400, 401, 403, 415),
  },
});

export function experimentView(row: ExperimentRow) {
  return {
    id: row.id,
    name: row.name,
    notificationType: row.notificationType,
    variants: JSON.parse(row.variants),
    allocation: JSON.parse(row.allocation) as number[],
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const row = {
    id: newId("exp"),
    name: body.name,
    notificationType: body.notificationType,
    variants: JSON.stringify(body.variants),
    allocation: JSON.stringify(body.allocation),
    status: "running" as const,
    createdAt: Date.now(),
  };
  await experimentStore(c.env.DB, c.get("caller").tenantId).create(row);
  return c.json(experimentView({ ...row, tenantId: c.get("caller").tenantId }), 201);
};
