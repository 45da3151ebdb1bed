import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import {
  type CampaignAction,
  type CampaignStatus,
  campaignAllows,
  campaignAlreadyThere,
  campaignStatusAfter,
} from "../../../../lib/journeys/campaign-status";
import { enqueueCampaignChunks } from "../../../campaigns/fan-out";
import { campaignStore } from "../../../db/campaign-store";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { campaignView, loadCampaign } from "./campaign";
import { CampaignIdParams, CampaignSchema } from "./schema";

const SUMMARIES: Record<CampaignAction, string> = {
  schedule: "Schedule a draft: the audience is fanned out into schedules in the background",
  pause: "Pause: pending deliveries are held in the recipients' objects",
  resume: "Resume a paused campaign: held deliveries are pending again (late ones fire at once)",
  cancel: "Cancel: deliveries not yet sent are cancelled",
};

function lifecycleRoute(action: CampaignAction) {
  return createRoute({
    method: "post",
    path: `/v1/campaigns/{id}/${action}`,
    tags: ["Campaigns"],
    summary: SUMMARIES[action],
    description:
      "Answers at once; the work runs through the campaign queue, one message per 1,000 recipients " +
      "(watch GET /v1/campaigns/{id}/progress). An invalid transition is a 409.",
    security: bearerSecurity,
    middleware: [requireRole("editor")] as const,
    request: { params: CampaignIdParams },
    responses: { 200: jsonResponse(CampaignSchema, "The campaign"), ...problemResponses(401, 403, 404, 409) },
  });
}

function lifecycle(action: CampaignAction) {
  const route = lifecycleRoute(action);
  const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
    const { tenantId } = c.get("caller");
    const row = await loadCampaign(c.env, tenantId, c.req.valid("param").id);
    const from = row.status as CampaignStatus;
    const now = Date.now();
    const to = campaignStatusAfter(action, row.startAt, now);
    // Repeating pause, resume or cancel answers 200 and sends the sweep again (a sweep lost to a
    // crash right after the status changed is repaired by repeating the call).
    if (campaignAlreadyThere(action, from)) {
      await enqueueCampaignChunks(c.env, row, "sync");
      return c.json(await campaignView(c.env, row), 200);
    }
    if (!campaignAllows(action, from)) {
      throw new ApiError("invalid_state", `cannot ${action} a campaign that is ${from}`);
    }
    // Fan-out chunks are queued before the status leaves draft (a chunk that comes early waits), so
    // a crash between the two leaves a draft that can be scheduled again, never a campaign that is
    // scheduled with nothing queued. Chunks queued twice create nothing twice.
    if (action === "schedule") await enqueueCampaignChunks(c.env, row, "fan-out");
    const changed = await campaignStore(c.env.DB, tenantId).setStatus(
      row.id,
      from,
      to,
      action === "schedule" ? { scheduledAt: now } : {},
    );
    if (!changed) throw new ApiError("conflict", "the campaign changed meanwhile; read it and retry");
    if (action !== "schedule" && from !== "draft") await enqueueCampaignChunks(c.env, row, "sync");
    await tenantStore(c.env.DB, tenantId).audit(c.get("caller").keyId, `campaign.${action}`, row.id, {
      from,
      to,
    });
    return c.json(await campaignView(c.env, await loadCampaign(c.env, tenantId, row.id)), 200);
  };
  return { route, handler };
}

export const schedule = lifecycle("schedule");
export const pause = lifecycle("pause");
export const resume = lifecycle("resume");
export const cancel = lifecycle("cancel");
