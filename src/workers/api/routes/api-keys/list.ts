import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  cursorPosition,
  encodeCursor,
  jsonResponse,
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

type Position = { createdAt: number; id: string };
const isPosition = (v: unknown): v is Position =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as Position).createdAt === "number" &&
  typeof (v as Position).id === "string";

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const before = cursorPosition(cursor, isPosition);
  const keys = await tenantStore(c.env.DB, c.get("caller").tenantId).listApiKeys(limit + 1, before);
  const page = keys.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    keys.length > limit && last
      ? encodeCursor({ createdAt: last.createdAt, id: last.id } satisfies Position)
      : null;
  return c.json({ data: page.map(apiKeyView), nextCursor }, 200);
};
