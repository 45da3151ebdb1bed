import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { patternStore } from "../../../db/pattern-store";
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
import { patternView } from "./pattern";
import { PatternSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/recurring",
  tags: ["Recurring patterns"],
  summary: "The tenant's recurring patterns, newest first",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { query: ListQuerySchema },
  responses: {
    200: jsonResponse(listOf(PatternSchema), "A page of patterns"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const store = patternStore(c.env.DB, c.get("caller").tenantId);
  const page = await newestFirstPage(
    c.req.valid("query"),
    (limit, before) => store.listPatterns(limit, before),
    (r) => r.createdAt,
    (r) => patternView(c.env, r),
  );
  return c.json(page, 200);
};
