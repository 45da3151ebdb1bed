import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { dripStore } from "../../../db/drip-store";
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
  const { limit, cursor } = c.req.valid("query");
  const rows = await dripStore(c.env.DB, c.get("caller").tenantId).listDrips(
    limit + 1,
    cursorPosition(cursor, isKeysetPosition),
  );
  const { page, nextCursor } = keysetPage(rows, limit, (r) => r.createdAt);
  return c.json({ data: await Promise.all(page.map((r) => dripView(c.env, r))), nextCursor }, 200);
};
