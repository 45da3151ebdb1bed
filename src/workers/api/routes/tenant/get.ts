import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { TenantSchema, tenantView } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/tenant",
  tags: ["Tenant"],
  summary: "The caller's tenant settings",
  security: bearerSecurity,
  middleware: [requireRole("admin")] as const,
  responses: { 200: jsonResponse(TenantSchema, "The tenant"), ...problemResponses(401, 403) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const tenant = await tenantStore(c.env.DB, c.get("caller").tenantId).getTenant();
  if (!tenant) throw new ApiError("not_found", "tenant not found");
  return c.json(tenantView(tenant), 200);
};
