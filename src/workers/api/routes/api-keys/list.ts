import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { tenantStore } from "../../../db/tenant-store";
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
import { ApiKeySchema, apiKeyView } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "Active API keys, newest first",
  security: bearerSecurity,
  middleware: [requireRole("admin")] as const,
  request: { query: ListQuerySchema },
  responses: {
    200: jsonResponse(listOf(ApiKeySchema), "A page of keys"),
    ...problemResponses(400, 401, 403),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const before = cursorPosition(cursor, isKeysetPosition);
  const keys = await tenantStore(c.env.DB, c.get("caller").tenantId).listApiKeys(limit + 1, before);
  const { page, nextCursor } = keysetPage(keys, limit, (k) => k.createdAt);
  return c.json({ data: page.map(apiKeyView), nextCursor }, 200);
};
