import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { tenantStore } from "../../../db/tenant-store";
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
  const store = tenantStore(c.env.DB, c.get("caller").tenantId);
  const page = await newestFirstPage(
    c.req.valid("query"),
    (limit, before) => store.listApiKeys(limit, before),
    (k) => k.createdAt,
    apiKeyView,
  );
  return c.json(page, 200);
};
