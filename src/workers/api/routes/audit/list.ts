import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { parseInstant } from "../../../../lib/time/local-time";
import { formatInstant } from "../../../../lib/time/zones";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import {
  bearerSecurity,
  InstantQuerySchema,
  jsonResponse,
  ListQuerySchema,
  listOf,
  newestFirstPage,
  problemResponses,
} from "../../schemas";

const AuditEntrySchema = z
  .object({
    id: z.string(),
    actor: z.string().openapi({ description: "The API key id that acted" }),
    action: z.string().openapi({ example: "api_key.create" }),
    target: z.string().nullable(),
    details: z.unknown().nullable(),
    at: z.string(),
  })
  .openapi("AuditEntry");

export const route = createRoute({
  method: "get",
  path: "/v1/audit-log",
  tags: ["Tenant"],
  summary: "Who did what: key and tenant changes, dead-letter retries, campaign actions, user erasures",
  description: "Newest first. Filters: `from`/`to` (instants, inclusive), `actor` (a key id), `action`.",
  security: bearerSecurity,
  middleware: [requireRole("admin")] as const,
  request: {
    query: ListQuerySchema.extend({
      from: InstantQuerySchema,
      to: InstantQuerySchema,
      actor: z.string().max(64).optional(),
      action: z.string().max(64).optional(),
    }),
  },
  responses: {
    200: jsonResponse(listOf(AuditEntrySchema), "A page of entries"),
    ...problemResponses(400, 401, 403),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const store = tenantStore(c.env.DB, c.get("caller").tenantId);
  const filter = {
    from: q.from ? parseInstant(q.from)! : undefined,
    to: q.to ? parseInstant(q.to)! : undefined,
    actor: q.actor,
    action: q.action,
  };
  const page = await newestFirstPage(
    q,
    (limit, before) => store.listAudit(filter, limit, before),
    (r) => r.at,
    (r) => ({
      id: r.id,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: r.details === null ? null : (JSON.parse(r.details) as unknown),
      at: formatInstant(r.at),
    }),
  );
  return c.json(page, 200);
};
