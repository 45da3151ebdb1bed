import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { parsePrior } from "../../../../lib/optimizer/model";
import { type TimingModel, timingPreferenceShares } from "../../../../lib/optimizer/timing-shapes";
import { optimizerStore } from "../../../db/optimizer-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { Recalibration } from "./schema";

const ModelSummary = z.object({
  type: z.string(),
  modelVersion: z.string(),
  trainedAt: z.string(),
  users: z.number(),
  events: z.number(),
  timingPreference: z.object({ none: z.number(), mild: z.number(), clear: z.number() }).nullable().openapi({
    description:
      "Share of users whose timing the model sees as no preference, mild (peak at most 1.5x) or clear; null until enough profiles were trained on",
  }),
  metrics: z.object({ logLoss: z.number(), auc: z.number(), calibrationError: z.number() }),
  recalibration: Recalibration,
});

const LiveResults = z.object({
  sinceDays: z.number(),
  bySource: z.array(
    z.object({
      source: z.string(),
      sends: z.number(),
      opens: z.number(),
      rate: z.number(),
      predictedRate: z.number().openapi({ description: "Mean probability the answers gave" }),
      calibrationError: z.number().nullable(),
    }),
  ),
});

export const route = createRoute({
  method: "get",
  path: "/v1/optimization/performance",
  tags: ["Send-time optimization"],
  summary: "The trained models and how well they fit, and live results of optimized sends by source",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  responses: {
    200: jsonResponse(
      z.object({ models: z.array(ModelSummary), live: LiveResults }).openapi("OptimizationPerformance"),
      "Models",
    ),
    ...problemResponses(401),
  },
});

const LIVE_DAYS = 30;

function timingShares(model: TimingModel | undefined) {
  if (!model) return null;
  const shares = timingPreferenceShares(model);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { none: round(shares.none), mild: round(shares.mild), clear: round(shares.clear) };
}

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const store = optimizerStore(c.env.DB, c.get("caller").tenantId);
  const [rows, live] = await Promise.all([
    store.models(),
    store.liveBySource(Date.now() - LIVE_DAYS * 86_400_000),
  ]);
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return c.json(
    {
      models: rows.map((r) => {
        const prior = parsePrior(r.prior);
        return {
          type: r.type,
          modelVersion: r.version,
          trainedAt: new Date(r.trainedAt).toISOString(),
          users: r.users,
          events: r.events,
          timingPreference: timingShares(prior.timing),
          metrics: JSON.parse(r.metrics) as { logLoss: number; auc: number; calibrationError: number },
          recalibration: prior.calibration ?? 1,
        };
      }),
      live: {
        sinceDays: LIVE_DAYS,
        bySource: live.map((l) => {
          const sends = Number(l.sends);
          const opens = Number(l.opens ?? 0);
          const predicted = Number(l.predicted ?? 0);
          return {
            source: l.source,
            sends,
            opens,
            rate: round(opens / sends),
            predictedRate: round(predicted / sends),
            calibrationError: opens > 0 ? round(Math.abs(predicted - opens) / opens) : null,
          };
        }),
      },
    },
    200,
  );
};
