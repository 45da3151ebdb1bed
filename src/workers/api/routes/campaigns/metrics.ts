import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { CampaignDefinition } from "../../../../lib/journeys/campaign-plan";
import { scheduleIndex } from "../../../db/schedule-index";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { loadCampaign } from "./campaign";
import { CampaignIdParams, MetricsSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns/{id}/metrics",
  tags: ["Campaigns"],
  summary: "Engagement per phase: delivered, opened (reported by delivery callbacks), open rate",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: CampaignIdParams },
  responses: { 200: jsonResponse(MetricsSchema, "Metrics"), ...problemResponses(401, 404) },
});

const rate = (opened: number, sent: number) => (sent === 0 ? null : opened / sent);

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { tenantId } = c.get("caller");
  const row = await loadCampaign(c.env, tenantId, c.req.valid("param").id);
  const def = JSON.parse(row.definition) as CampaignDefinition;
  const rows = await scheduleIndex(c.env.DB, tenantId).campaignCounts(row.id);
  const byPhase = def.phases.map((p) => ({ phase: p.name, sent: 0, opened: 0 }));
  for (const r of rows) {
    const phase = r.step === null ? undefined : byPhase[r.step];
    if (!phase || r.status !== "completed") continue;
    phase.sent += r.n;
    phase.opened += r.opened;
  }
  const sent = byPhase.reduce((s, p) => s + p.sent, 0);
  const opened = byPhase.reduce((s, p) => s + p.opened, 0);
  return c.json(
    {
      campaignId: row.id,
      byPhase: byPhase.map((p) => ({ ...p, openRate: rate(p.opened, p.sent) })),
      sent,
      opened,
      openRate: rate(opened, sent),
    },
    200,
  );
};
