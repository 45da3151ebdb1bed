import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { holidaysInYear } from "../../../../lib/time/holidays";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, HolidayRegionSchema, jsonResponse, problemResponses } from "../../schemas";

const HolidaySchema = z
  .object({
    date: z.string().openapi({ example: "2027-12-25" }),
    name: z.string(),
    type: z.enum(["public", "bank", "school", "optional", "observance"]),
  })
  .openapi("Holiday");

export const route = createRoute({
  method: "get",
  path: "/v1/holidays",
  tags: ["Timezones"],
  summary: "Holidays of a country or region in a year (public and bank ones count as days off)",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: {
    query: z.object({
      country: HolidayRegionSchema,
      year: z.coerce
        .number()
        .int()
        .min(1900)
        .max(2200)
        .optional()
        .openapi({ description: "Default: this year" }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ holidays: z.array(HolidaySchema) }), "The year's holidays"),
    ...problemResponses(400, 401),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = (c) => {
  const { country, year } = c.req.valid("query");
  return c.json({ holidays: holidaysInYear(country, year ?? new Date().getUTCFullYear()) }, 200);
};
