import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { circuitView, TenantSchema, tenantView } from "./schema";

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
  const store = tenantStore(c.env.DB, c.get("caller").tenantId);
  const [tenant, circuit] = await Promise.all([store.getTenant(), store.getCircuit()]);
  if (!tenant) throw new ApiError("not_found", "tenant not found");
  return c.json({ ...tenantView(tenant, c.env), webhookCircuit: circuitView(circuit) }, 200);
};
