import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { campaignView, loadCampaign } from "./campaign";
import { CampaignIdParams, CampaignSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns/{id}",
  tags: ["Campaigns"],
  summary: "A campaign",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: CampaignIdParams },
  responses: { 200: jsonResponse(CampaignSchema, "The campaign"), ...problemResponses(401, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const row = await loadCampaign(c.env, c.get("caller").tenantId, c.req.valid("param").id);
  return c.json(await campaignView(c.env, row), 200);
};
