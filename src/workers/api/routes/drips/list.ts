import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { dripStore } from "../../../db/drip-store";
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
import { dripView } from "./drip";
import { DripSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/drips",
  tags: ["Drips and events"],
  summary: "The tenant's drips, newest first",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { query: ListQuerySchema },
  responses: { 200: jsonResponse(listOf(DripSchema), "A page of drips"), ...problemResponses(400, 401) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const store = dripStore(c.env.DB, c.get("caller").tenantId);
  const page = await newestFirstPage(
    c.req.valid("query"),
    (limit, before) => store.listDrips(limit, before),
    (r) => r.createdAt,
    (r) => dripView(c.env, r),
  );
  return c.json(page, 200);
};
