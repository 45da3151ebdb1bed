import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { forEachConcurrently } from "../../../../lib/concurrency";
import { userIdFromScheduleId } from "../../../../lib/ids";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { userScheduler } from "../../user-scheduler";

type Outcome = "cancelled" | "not_found" | "conflict";
const USER_CONCURRENCY = 64;

export const route = createRoute({
  method: "post",
  path: "/v1/schedules/bulk-cancel",
  tags: ["Schedules"],
  summary: "Cancel up to 10,000 schedules",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: {
    body: jsonBody(z.object({ ids: z.array(z.string().min(1).max(300)).min(1).max(10_000) }).strict()),
  },
  responses: {
    200: jsonResponse(
      z.object({
        cancelled: z.number().int(),
        notFound: z.number().int(),
        conflicts: z.number().int(),
        results: z.array(
          z.object({ id: z.string(), status: z.enum(["cancelled", "not_found", "conflict"]) }),
        ),
      }),
      "Per-id results in request order",
    ),
    ...problemResponses(400, 401, 403, 413, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { ids } = c.req.valid("json");
  const tenantId = c.get("caller").tenantId;
  const outcome = new Map<string, Outcome>();
  const byUser = new Map<string, string[]>();
  for (const id of new Set(ids)) {
    const userId = userIdFromScheduleId(id);
    if (!userId) outcome.set(id, "not_found");
    else byUser.set(userId, [...(byUser.get(userId) ?? []), id]);
  }
  await forEachConcurrently([...byUser.entries()], USER_CONCURRENCY, async ([userId, userIds]) => {
    const owner = { tenantId, userId };
    const answers = await userScheduler(c.env, owner).cancelSchedules(owner, userIds);
    for (const [id, status] of Object.entries(answers)) outcome.set(id, status);
  });
  const results = ids.map((id) => ({ id, status: outcome.get(id)! }));
  const count = (s: Outcome) => results.filter((r) => r.status === s).length;
  return c.json(
    { cancelled: count("cancelled"), notFound: count("not_found"), conflicts: count("conflict"), results },
    200,
  );
};
