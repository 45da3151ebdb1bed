import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { patternStore } from "../../../db/pattern-store";
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
  const { limit, cursor } = c.req.valid("query");
  const rows = await patternStore(c.env.DB, c.get("caller").tenantId).listPatterns(
    limit + 1,
    cursorPosition(cursor, isKeysetPosition),
  );
  const { page, nextCursor } = keysetPage(rows, limit, (r) => r.createdAt);
  return c.json({ data: await Promise.all(page.map((r) => patternView(c.env, r))), nextCursor }, 200);
};
