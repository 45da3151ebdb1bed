import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { DEFAULT_BUSINESS_HOURS, isBusinessTime, nextBusinessInstant } from "../../../../lib/time/calendar";
import { formatInstant } from "../../../../lib/time/zones";
import { tenantStore } from "../../../db/tenant-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, instantParam, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { BusinessHoursAnswerSchema, BusinessHoursCheckSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/timezones/business-hours",
  tags: ["Timezones"],
  summary: "Is an instant inside business hours there, and when do they next begin?",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { body: jsonBody(BusinessHoursCheckSchema) },
  responses: { 200: jsonResponse(BusinessHoursAnswerSchema, "The answer"), ...problemResponses(400, 401) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const at = instantParam(body.at, "at");
  const tenant = await tenantStore(c.env.DB, c.get("caller").tenantId).getTenant();
  const constraints = {
    zone: body.timezone,
    businessHours: body.businessHours ?? tenant?.settings.businessHours ?? DEFAULT_BUSINESS_HOURS,
    holidayRegion: body.holidayCountry ?? tenant?.settings.holidayCountry ?? null,
  };
  const next = nextBusinessInstant(at, constraints);
  return c.json(
    {
      isBusinessHours: isBusinessTime(at, constraints),
      nextBusinessHour: next === null ? null : formatInstant(next),
    },
    200,
  );
};
