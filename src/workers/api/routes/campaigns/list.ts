import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { campaignStore } from "../../../db/campaign-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  cursorPosition,
  isKeysetPosition,
  jsonResponse,
  keysetPage,
  ListQuerySchema,
  listOf,
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
  const { limit, cursor } = c.req.valid("query");
  const rows = await campaignStore(c.env.DB, c.get("caller").tenantId).listCampaigns(
    limit + 1,
    cursorPosition(cursor, isKeysetPosition),
  );
  const { page, nextCursor } = keysetPage(rows, limit, (r) => r.createdAt);
  return c.json({ data: await Promise.all(page.map((r) => campaignView(c.env, r))), nextCursor }, 200);
};
