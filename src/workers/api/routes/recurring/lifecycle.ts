import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { patternStore } from "../../../db/pattern-store";
import { cancelPatternInstances } from "../../../recurring/generate";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { compileOr400, generateSoon, loadPattern, patternView } from "./pattern";
import { PatternIdParams, PatternSchema } from "./schema";

function lifecycleRoute(verb: "pause" | "resume", summary: string) {
  return createRoute({
    method: "post",
    path: `/v1/recurring/{id}/${verb}`,
    tags: ["Recurring patterns"],
    summary,
    security: bearerSecurity,
    middleware: [requireRole("editor")] as const,
    request: { params: PatternIdParams },
    responses: { 200: jsonResponse(PatternSchema, "The pattern"), ...problemResponses(401, 403, 404, 409) },
  });
}

export const pause = {
  route: lifecycleRoute("pause", "Pause: no further instances; pending ones are cancelled"),
  handler: (async (c) => {
    const { tenantId } = c.get("caller");
    const row = await loadPattern(c.env, tenantId, c.req.valid("param").id);
    if (row.status !== "active") return c.json(await patternView(c.env, row), 200);
    // A new version, so that resuming generates fresh instances instead of finding cancelled ones.
    const changes = { status: "paused" as const, version: row.version + 1, updatedAt: Date.now() };
    await patternStore(c.env.DB, tenantId).updatePattern(row.id, changes);
    await cancelPatternInstances(c.env, tenantId, row);
    return c.json(await patternView(c.env, { ...row, ...changes }), 200);
  }) satisfies RouteHandler<ReturnType<typeof lifecycleRoute>, AppEnv>,
};

export const resume = {
  route: lifecycleRoute("resume", "Resume: occurrences from now on are generated again"),
  handler: (async (c) => {
    const caller = c.get("caller");
    const row = await loadPattern(c.env, caller.tenantId, c.req.valid("param").id);
    if (row.status !== "paused") return c.json(await patternView(c.env, row), 200);
    const now = Date.now();
    const start = compileOr400(JSON.parse(row.rule), caller.tenant).start;
    const changes = { status: "active" as const, generatedUntil: Math.max(now, start) - 1, updatedAt: now };
    await patternStore(c.env.DB, caller.tenantId).updatePattern(row.id, changes);
    const updated = { ...row, ...changes };
    await generateSoon(c.env, caller.tenant, updated, now);
    return c.json(await patternView(c.env, updated), 200);
  }) satisfies RouteHandler<ReturnType<typeof lifecycleRoute>, AppEnv>,
};
