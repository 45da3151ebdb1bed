import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { sealJson } from "../../../../lib/crypto/encryption";
import type { PatternRuleInput } from "../../../../lib/recurrence/pattern";
import { priorityValue } from "../../../../lib/schedules/model";
import { type PatternRow, patternStore } from "../../../db/pattern-store";
import { cancelPatternInstances } from "../../../recurring/generate";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { compileOr400, generateSoon, loadPattern, patternView, ruleInput } from "./pattern";
import { PatchPatternSchema, PatternIdParams, PatternSchema } from "./schema";

export const route = createRoute({
  method: "patch",
  path: "/v1/recurring/{id}",
  tags: ["Recurring patterns"],
  summary: "Change a pattern; its instances not yet fired follow the change",
  description:
    "Fields left out stay; `null` clears an optional field. Giving `cronExpression` replaces an interval and " +
    "vice versa. Any change to the rule, target, payload, priority or notificationId cancels the pending " +
    "instances and generates them again from now.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { params: PatternIdParams, body: jsonBody(PatchPatternSchema) },
  responses: {
    200: jsonResponse(PatternSchema, "The pattern"),
    ...problemResponses(400, 401, 403, 404, 415),
  },
});

const RULE_KEYS = [
  "cronExpression",
  "intervalType",
  "intervalValue",
  "timezone",
  "startDate",
  "endDate",
  "maxOccurrences",
  "businessHoursOnly",
  "businessHours",
  "skipWeekends",
  "skipHolidays",
  "holidayCountry",
] as const;

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const caller = c.get("caller");
  const row = await loadPattern(c.env, caller.tenantId, c.req.valid("param").id);
  const previous = JSON.parse(row.rule) as PatternRuleInput;
  const merged: Record<string, unknown> = { ...previous };
  for (const key of RULE_KEYS) if (body[key] !== undefined) merged[key] = body[key];
  // One kind of recurrence at a time: naming one replaces the other.
  if (body.cronExpression) Object.assign(merged, { intervalType: null, intervalValue: null });
  if (body.intervalType || body.intervalValue) merged.cronExpression = body.cronExpression ?? null;
  const rule = ruleInput(merged as unknown as PatternRuleInput);
  const compiled = compileOr400(rule, caller.tenant);

  const instancesChange =
    JSON.stringify(rule) !== JSON.stringify(ruleInput(previous)) ||
    [body.target, body.payload, body.priority, body.notificationId].some((v) => v !== undefined);
  const now = Date.now();
  const changes: Partial<PatternRow> = {
    name: body.name ?? row.name,
    description: body.description === undefined ? row.description : body.description,
    rule: JSON.stringify(rule),
    target: body.target ? JSON.stringify(body.target) : row.target,
    notificationId: body.notificationId ?? row.notificationId,
    priority: body.priority === undefined ? row.priority : priorityValue(body.priority),
    updatedAt: now,
  };
  if (body.payload !== undefined) {
    changes.payload = await sealJson(c.env.ENCRYPTION_KEYS, body.payload, `${row.id}:payload`);
  }
  if (instancesChange) {
    // New version: regenerated instances get new ids, the old pending ones are cancelled.
    Object.assign(changes, {
      version: row.version + 1,
      generatedUntil: Math.max(now, compiled.start) - 1,
      status: row.status === "completed" ? "active" : row.status,
    });
  }
  const store = patternStore(c.env.DB, caller.tenantId);
  await store.updatePattern(row.id, changes);
  const updated = { ...row, ...changes };
  if (instancesChange) {
    await cancelPatternInstances(c.env, caller.tenantId, row);
    if (updated.status === "active") await generateSoon(c.env, caller.tenant, updated, now);
  }
  return c.json(await patternView(c.env, updated), 200);
};
