import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { campaignStore } from "../../../db/campaign-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { campaignView, loadCampaign } from "./campaign";
import { AppendAudienceSchema, CampaignIdParams, CampaignSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/campaigns/{id}/audience",
  tags: ["Campaigns"],
  summary: "Append a chunk of recipients to a draft campaign",
  description:
    "Up to 100,000 user ids per call. Ids already in an earlier chunk are not detected across chunks: send " +
    "each recipient once (duplicates would be scheduled once anyway: schedule ids derive from the user).",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: CampaignIdParams, body: jsonBody(AppendAudienceSchema) },
  responses: {
    200: jsonResponse(CampaignSchema, "The campaign"),
    ...problemResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { tenantId } = c.get("caller");
  const campaign = await loadCampaign(c.env, tenantId, c.req.valid("param").id);
  if (campaign.status !== "draft") {
    throw new ApiError("invalid_state", `the audience of a ${campaign.status} campaign cannot change`);
  }
  const userIds = [...new Set(c.req.valid("json").userIds)];
  const appended = await campaignStore(c.env.DB, tenantId).appendAudience(campaign, userIds);
  if (!appended)
    throw new ApiError("conflict", "the campaign changed meanwhile (another append or a schedule); retry");
  return c.json(await campaignView(c.env, await loadCampaign(c.env, tenantId, campaign.id)), 200);
};
