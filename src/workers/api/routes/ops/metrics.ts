import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { timingSafeEqual } from "../../../../lib/crypto/hash";
import { ApiError } from "../../../../lib/errors";
import { formatPrometheus, type MetricFamily } from "../../../../lib/ops/prometheus";
import { metricsStore } from "../../../db/metrics-store";
import { aiScorerHealth } from "../../../optimizer/ai";
import type { AppEnv } from "../../context";
import { credential } from "../../middleware/auth";
import { operatorProblemResponses } from "../../schemas";
import { VERSION } from "./health";

export const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["Operations"],
  summary: "Prometheus text exposition: service-wide totals by status (no tenant ids)",
  description: "Bearer `METRICS_TOKEN` when that secret is set; open otherwise (totals only).",
  responses: {
    200: {
      description: "text/plain; version=0.0.4",
      content: { "text/plain": { schema: z.string() } },
    },
    ...operatorProblemResponses(401),
  },
});

const byStatus = (rows: { status: string; n: number }[]) =>
  rows.map((r) => ({ labels: { status: r.status }, value: r.n }));

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const expected = c.env.METRICS_TOKEN;
  if (expected) {
    const token = credential(c);
    if (!token || !timingSafeEqual(token, expected))
      throw new ApiError("unauthorized", "a valid METRICS_TOKEN is required");
  }
  const db = c.env.DB;
  const [schedules, campaigns, patterns, circuits, tenants, deadLetters] = await Promise.all([
    metricsStore.byStatus(db, "schedule_index"),
    metricsStore.byStatus(db, "campaigns"),
    metricsStore.byStatus(db, "recurring_patterns"),
    metricsStore.byStatus(db, "endpoint_circuits"),
    metricsStore.count(db, "SELECT COUNT(*) AS n FROM tenants"),
    metricsStore.count(db, "SELECT COUNT(*) AS n FROM dead_letters WHERE retried_at IS NULL"),
  ]);
  const families: MetricFamily[] = [
    {
      name: "scheduler_build_info",
      help: "The running version.",
      type: "gauge",
      samples: [{ labels: { version: VERSION }, value: 1 }],
    },
    { name: "scheduler_tenants", help: "Tenants.", type: "gauge", samples: [{ value: tenants }] },
    {
      name: "scheduler_schedules",
      help: "Schedules by status, from the tenant-wide index (executing ones show as pending).",
      type: "gauge",
      samples: byStatus(schedules),
    },
    {
      name: "scheduler_campaigns",
      help: "Campaigns by status.",
      type: "gauge",
      samples: byStatus(campaigns),
    },
    {
      name: "scheduler_recurring_patterns",
      help: "Recurring patterns by status.",
      type: "gauge",
      samples: byStatus(patterns),
    },
    {
      name: "scheduler_webhook_circuits",
      help: "Tenant webhook endpoints by circuit state.",
      type: "gauge",
      samples: byStatus(circuits),
    },
    {
      name: "scheduler_dead_letters_open",
      help: "Dead letters not retried.",
      type: "gauge",
      samples: [{ value: deadLetters }],
    },
    {
      name: "scheduler_optimizer_degraded",
      help: "1 while the optional Workers AI second opinion is failing (the built-in model answers).",
      type: "gauge",
      samples: [{ value: aiScorerHealth(c.env) === "degraded" ? 1 : 0 }],
    },
  ];
  return c.text(formatPrometheus(families), 200, {
    "content-type": "text/plain; version=0.0.4; charset=utf-8",
  });
};
