import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { sealJson } from "../../../../lib/crypto/encryption";
import { newId } from "../../../../lib/ids";
import { priorityValue } from "../../../../lib/schedules/model";
import { dripStore } from "../../../db/drip-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { type ConditionalDefinition, conditionalView } from "./conditional";
import { ConditionalSchema, CreateConditionalSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/conditional-schedules",
  tags: ["Drips and events"],
  summary: "Create a conditional schedule: an event starts a delayed notification",
  description:
    "When a matching event arrives (POST /v1/events), a schedule is created for its user at the event's time " +
    "plus `delay`; `conditions` are checked when it is about to fire (e.g. `event_not_seen: purchase`).",
  security: bearerSecurity,
  middleware: [requireRole("editor"), idempotent] as const,
  request: { body: jsonBody(CreateConditionalSchema) },
  responses: {
    201: jsonResponse(ConditionalSchema, "The conditional schedule"),
    ...problemResponses(400, 401, 403, 409, 413, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const { tenantId } = c.get("caller");
  const id = newId("cnd");
  const def: ConditionalDefinition = {
    where: body.trigger.where,
    delay: body.delay,
    notificationId: body.notificationId,
    priority: priorityValue(body.priority),
    conditions: body.conditions,
  };
  const row = {
    id,
    userId: body.userId ?? null,
    triggerEvent: body.trigger.event,
    definition: JSON.stringify(def),
    payload: await sealJson(c.env.ENCRYPTION_KEYS, body.payload ?? {}, `${id}:payload`),
    createdAt: Date.now(),
  };
  await dripStore(c.env.DB, tenantId).insertConditional(row);
  return c.json(await conditionalView(c.env, { ...row, tenantId }), 201);
};
