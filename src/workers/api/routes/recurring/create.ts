import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { sealJson } from "../../../../lib/crypto/encryption";
import { newId } from "../../../../lib/ids";
import { priorityValue } from "../../../../lib/schedules/model";
import { patternStore } from "../../../db/pattern-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { compileOr400, generateSoon, patternView, ruleInput } from "./pattern";
import { CreatePatternSchema, PatternSchema } from "./schema";

export const route = createRoute({
  method: "post",
  path: "/v1/recurring",
  tags: ["Recurring patterns"],
  summary: "Create a recurring pattern",
  description:
    "A cron expression (5 or 6 fields) or an interval, evaluated in `timezone` per DESIGN P1–P7. Occurrences " +
    "within the next 24 h become schedules at once; the Cron Trigger keeps generating ahead.",
  security: bearerSecurity,
  middleware: [requireRole("editor"), idempotent] as const,
  request: { body: jsonBody(CreatePatternSchema) },
  responses: {
    201: jsonResponse(PatternSchema, "The pattern"),
    ...problemResponses(400, 401, 403, 409, 413, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const caller = c.get("caller");
  const rule = ruleInput(body);
  const compiled = compileOr400(rule, caller.tenant);
  const id = newId("rpt");
  const now = Date.now();
  const row = {
    id,
    name: body.name,
    description: body.description ?? null,
    rule: JSON.stringify(rule),
    target: JSON.stringify(body.target),
    notificationId: body.notificationId,
    payload: await sealJson(c.env.ENCRYPTION_KEYS, body.payload ?? {}, `${id}:payload`),
    priority: priorityValue(body.priority),
    status: "active" as const,
    version: 1,
    // Nothing generated yet: the start itself is the first candidate (inclusive window), or now for a
    // pattern that started in the past (its past occurrences are not sent in a burst).
    generatedUntil: Math.max(compiled.start, now) - 1,
    occurrencesGenerated: 0,
    lastGeneratedAt: null,
    claimedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await patternStore(c.env.DB, caller.tenantId).insertPattern(row);
  await generateSoon(c.env, caller.tenant, { ...row, tenantId: caller.tenantId }, now);
  return c.json(await patternView(c.env, { ...row, tenantId: caller.tenantId }), 201);
};
