import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { newId } from "../../../../lib/ids";
import { AUDIENCE_CHUNK, campaignStore } from "../../../db/campaign-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { campaignView, definitionFrom, sealTemplates } from "./campaign";
import { CampaignSchema, CreateCampaignSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/campaigns",
  tags: ["Campaigns"],
  summary: "Create a campaign (a draft)",
  description:
    "Phases follow each other by ISO 8601 delays from `startDate`. The audience is up to 100,000 user ids " +
    "inline; append more with POST /v1/campaigns/{id}/audience while it is a draft. Nothing is sent until " +
    "POST /v1/campaigns/{id}/schedule.",
  security: bearerSecurity,
  middleware: [requireRole("editor"), idempotent] as const,
  request: { body: jsonBody(CreateCampaignSchema) },
  responses: {
    201: jsonResponse(CampaignSchema, "The campaign, a draft"),
    ...problemResponses(400, 401, 403, 409, 413, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const { tenantId } = c.get("caller");
  const { def, payloads } = definitionFrom(body);
  const userIds = "userIds" in body.audience ? [...new Set(body.audience.userIds)] : [];
  const id = newId("cmp");
  const now = Date.now();
  const row = {
    id,
    name: body.name,
    description: body.description ?? null,
    status: "draft" as const,
    definition: JSON.stringify(def),
    templates: await sealTemplates(c.env, id, payloads),
    audienceSize: userIds.length,
    audienceChunks: Math.ceil(userIds.length / AUDIENCE_CHUNK),
    startAt: def.startAt,
    scheduledAt: null,
    completedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await campaignStore(c.env.DB, tenantId).insertCampaign(row, userIds);
  return c.json(await campaignView(c.env, { ...row, tenantId }), 201);
};
