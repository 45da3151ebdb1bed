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
import { DeadLetterSchema, deadLetterView } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/dead-letters",
  tags: ["Delivery"],
  summary: "Executions that failed for good, newest first",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { query: ListQuerySchema },
  responses: {
    200: jsonResponse(listOf(DeadLetterSchema), "A page of dead letters"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const before = cursorPosition(cursor, isKeysetPosition);
  const rows = await tenantStore(c.env.DB, c.get("caller").tenantId).listDeadLetters(limit + 1, before);
  const { page, nextCursor } = keysetPage(rows, limit, (r) => r.failedAt);
  return c.json({ data: page.map(deadLetterView), nextCursor }, 200);
};
