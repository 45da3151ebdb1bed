import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { campaignStore } from "../../../db/campaign-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  jsonResponse,
  ListQuerySchema,
  listOf,
  newestFirstPage,
  problemResponses,
} from "../../schemas";
import { campaignView } from "./campaign";
import { CampaignSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns",
  tags: ["Campaigns"],
  summary: "The tenant's campaigns, newest first",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { query: ListQuerySchema },
  responses: {
    200: jsonResponse(listOf(CampaignSchema), "A page of campaigns"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const store = campaignStore(c.env.DB, c.get("caller").tenantId);
  const page = await newestFirstPage(
    c.req.valid("query"),
    (limit, before) => store.listCampaigns(limit, before),
    (r) => r.createdAt,
    (r) => campaignView(c.env, r),
  );
  return c.json(page, 200);
};
