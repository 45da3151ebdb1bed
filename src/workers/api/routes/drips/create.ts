import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { sealJson } from "../../../../lib/crypto/encryption";
import { ApiError, type FieldError } from "../../../../lib/errors";
import { newId } from "../../../../lib/ids";
import { priorityValue } from "../../../../lib/schedules/model";
import { dripStore } from "../../../db/drip-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { type DripDefinition, dripView } from "./drip";
import { CreateDripSchema, DripSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/drips",
  tags: ["Drips and events"],
  summary: "Create a drip sequence",
  description:
    "Steps follow enrollment by ISO 8601 delays, each from the previous step. An event in `exitOn` ends a " +
    "user's enrollment (its remaining steps are cancelled); `trigger.event` enrolls the user who sends it.",
  security: bearerSecurity,
  middleware: [requireRole("editor"), idempotent] as const,
  request: { body: jsonBody(CreateDripSchema) },
  responses: { 201: jsonResponse(DripSchema, "The drip"), ...problemResponses(400, 401, 403, 409, 413, 415) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const errors: FieldError[] = [];
  body.steps.forEach((step, i) => {
    step.conditions.forEach((cond, j) => {
      if ("step" in cond && cond.step >= i) {
        errors.push({ path: `steps.${i}.conditions.${j}.step`, message: "must name an earlier step" });
      }
    });
  });
  if (errors.length > 0) {
    throw new ApiError("validation_error", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  }
  const templates = body.steps.map((s) =>
    typeof s.notificationTemplate === "string"
      ? { notificationId: s.notificationTemplate }
      : s.notificationTemplate,
  );
  const def: DripDefinition = {
    steps: body.steps.map((s, i) => ({
      delay: s.delay,
      notificationId: templates[i]!.notificationId,
      priority: priorityValue("priority" in templates[i]! ? templates[i]!.priority : undefined),
      conditions: s.conditions,
    })),
    exitOn: body.exitOn,
    reenroll: body.reenroll,
  };
  const id = newId("drp");
  const row = {
    id,
    name: body.name,
    definition: JSON.stringify(def),
    templates: await sealJson(
      c.env.ENCRYPTION_KEYS,
      templates.map((t) => ("payload" in t ? (t.payload ?? {}) : {})),
      `${id}:templates`,
    ),
    triggerEvent: body.trigger?.event ?? null,
    createdAt: Date.now(),
  };
  await dripStore(c.env.DB, c.get("caller").tenantId).insertDrip(row);
  return c.json(await dripView(c.env, { ...row, tenantId: c.get("caller").tenantId }), 201);
};
