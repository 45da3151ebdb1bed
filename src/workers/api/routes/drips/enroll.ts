import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import { parseInstant } from "../../../../lib/time/local-time";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { enrollUser, loadDrip } from "./drip";
import { DripIdParams, EnrollmentSchema, EnrollSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/drips/{id}/enrollments",
  tags: ["Drips and events"],
  summary: "Enroll a user: the drip's steps become the user's schedules",
  description:
    "409 while the user is enrolled, or when the drip enrolls once (`reenroll: never`) and they were.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: DripIdParams, body: jsonBody(EnrollSchema) },
  responses: {
    201: jsonResponse(EnrollmentSchema, "The enrollment"),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const caller = c.get("caller");
  const { userId, at: atText } = c.req.valid("json");
  const at = atText === undefined ? Date.now() : parseInstant(atText as string);
  if (at === null) {
    throw new ApiError("validation_error", "at: must be an ISO 8601 instant", [
      { path: "at", message: "must be an ISO 8601 instant with Z or an offset" },
    ]);
  }
  const row = await loadDrip(c.env, caller.tenantId, c.req.valid("param").id);
  const result = await enrollUser(c.env, caller.tenant, row, userId, at);
  if ("refused" in result) throw new ApiError("conflict", result.refused ?? "the user cannot enroll");
  return c.json(
    { dripId: row.id, userId, enrollment: result.enrollment, scheduleIds: result.scheduleIds },
    201,
  );
};
