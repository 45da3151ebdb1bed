import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { CampaignDefinition } from "../../../../lib/journeys/campaign-plan";
import { campaignStore } from "../../../db/campaign-store";
import { type StepCounts, scheduleIndex } from "../../../db/schedule-index";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { loadCampaign } from "./campaign";
import { CampaignIdParams, ProgressSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns/{id}/progress",
  tags: ["Campaigns"],
  summary: "Fan-out progress and delivery counts, in all and per phase",
  description:
    "Counts come from the tenant-wide schedule index (one row per schedule, written after each change), " +
    "so retried chunks and concurrent consumers never count twice; they may lag the objects by seconds.",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: CampaignIdParams },
  responses: { 200: jsonResponse(ProgressSchema, "Progress"), ...problemResponses(401, 404) },
});

type Counts = { scheduled: number; sent: number; failed: number; pending: number; skipped: number };

const empty = (): Counts => ({ scheduled: 0, sent: 0, failed: 0, pending: 0, skipped: 0 });

function add(counts: Counts, row: StepCounts): void {
  counts.scheduled += row.n;
  if (row.status === "completed") counts.sent += row.n;
  else if (row.status === "failed") counts.failed += row.n;
  else if (row.status === "cancelled") counts.skipped += row.n;
  else counts.pending += row.n;
}

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { tenantId } = c.get("caller");
  const row = await loadCampaign(c.env, tenantId, c.req.valid("param").id);
  const def = JSON.parse(row.definition) as CampaignDefinition;
  const [rows, fanOut] = await Promise.all([
    scheduleIndex(c.env.DB, tenantId).campaignCounts(row.id),
    campaignStore(c.env.DB, tenantId).fanOutProgress(row.id),
  ]);
  const total = empty();
  const byPhase = def.phases.map(empty);
  for (const r of rows) {
    add(total, r);
    if (r.step !== null && byPhase[r.step]) add(byPhase[r.step]!, r);
  }
  return c.json(
    {
      campaignId: row.id,
      status: row.status,
      audience: row.audienceSize,
      ...total,
      fanOut: {
        chunks: row.audienceChunks,
        chunksDone: fanOut.chunks,
        recipientsProcessed: fanOut.recipients,
        schedulesCreated: fanOut.schedules,
        refused: fanOut.failed,
      },
      byPhase: byPhase.map((counts, i) => ({ phase: def.phases[i]!.name, ...counts })),
    },
    200,
  );
};
