import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { optimizerStore } from "../../../db/optimizer-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";

const ModelSummary = z.object({
  type: z.string(),
  modelVersion: z.string(),
  trainedAt: z.string(),
  users: z.number(),
  events: z.number(),
  segments: z.number(),
  metrics: z.object({ logLoss: z.number(), auc: z.number(), calibrationError: z.number() }),
});

export const route = createRoute({
  method: "get",
  path: "/v1/optimization/performance",
  tags: ["Send-time optimization"],
  summary: "The trained models and how well they fit (per type; * is all types pooled)",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  responses: {
    200: jsonResponse(
      z.object({ models: z.array(ModelSummary) }).openapi("OptimizationPerformance"),
      "Models",
    ),
    ...problemResponses(401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const rows = await optimizerStore(c.env.DB, c.get("caller").tenantId).models();
  return c.json(
    {
      models: rows.map((r) => ({
        type: r.type,
        modelVersion: r.version,
        trainedAt: new Date(r.trainedAt).toISOString(),
        users: r.users,
        events: r.events,
        segments: (JSON.parse(r.prior) as { segments: unknown[] }).segments.length,
        metrics: JSON.parse(r.metrics) as { logLoss: number; auc: number; calibrationError: number },
      })),
    },
    200,
  );
};
