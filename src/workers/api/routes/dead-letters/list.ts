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
  const store = tenantStore(c.env.DB, c.get("caller").tenantId);
  const page = await newestFirstPage(
    c.req.valid("query"),
    (limit, before) => store.listDeadLetters(limit, before),
    (r) => r.failedAt,
    deadLetterView,
  );
  return c.json(page, 200);
};
