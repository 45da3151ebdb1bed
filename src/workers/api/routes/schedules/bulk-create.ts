import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import type { Owner } from "../../../../durable-objects/user-scheduler";
import { forEachConcurrently } from "../../../../lib/concurrency";
import { problem } from "../../../../lib/errors";
import type { CreateScheduleCommand } from "../../../../lib/schedules/commands";
import { fieldErrors } from "../../app";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { idempotent } from "../../middleware/idempotency";
import { bearerSecurity, jsonBody, jsonResponse, ProblemSchema, problemResponses } from "../../schemas";
import { createSchedulesFor, tenantDefaults, toCreateCommand } from "../../user-scheduler";
import { type CreateScheduleBody, CreateScheduleSchema } from "./schema";

const MAX_ITEMS = 10_000;
/** Users whose objects are called at once; the rest wait their turn. */
const USER_CONCURRENCY = 64;

export const route = createRoute({
  method: "post",
  path: "/v1/schedules/bulk",
  tags: ["Schedules"],
  summary: "Create up to 10,000 schedules",
  description: "Each item is validated and created on its own: one bad item never fails the others.",
  security: bearerSecurity,
  middleware: [requireRole("editor"), idempotent] as const,
  request: {
    // Items are validated one by one in the handler so that each bad one gets its own problem.
    body: jsonBody(z.object({ schedules: z.array(z.unknown()).min(1).max(MAX_ITEMS) }).strict()),
  },
  responses: {
    200: jsonResponse(
      z.object({
        created: z.number().int(),
        failed: z.number().int(),
        results: z.array(
          z.object({ index: z.number().int(), id: z.string().optional(), error: ProblemSchema.optional() }),
        ),
      }),
      "Per-item results in request order",
    ),
    ...problemResponses(400, 401, 403, 409, 413, 415),
  },
});

type ItemResult = { index: number; id: string } | { index: number; error: ReturnType<typeof problem> };

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { schedules } = c.req.valid("json");
  const caller = c.get("caller");
  const results: ItemResult[] = new Array(schedules.length);
  const byUser = new Map<string, { index: number; body: CreateScheduleBody }[]>();
  schedules.forEach((item, index) => {
    const parsed = CreateScheduleSchema.safeParse(item);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      results[index] = {
        index,
        error: problem("validation_error", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors),
      };
      return;
    }
    if (parsed.data.sendTime) {
      const errors = [
        { path: "sendTime", message: "is not supported in bulk; create optimized schedules one by one" },
      ];
      results[index] = {
        index,
        error: problem("validation_error", `sendTime: ${errors[0]!.message}`, errors),
      };
      return;
    }
    const list = byUser.get(parsed.data.userId) ?? [];
    list.push({ index, body: parsed.data });
    byUser.set(parsed.data.userId, list);
  });

  const groups = [...byUser.entries()];
  const work = async ([userId, items]: (typeof groups)[number]) => {
    const owner: Owner = { tenantId: caller.tenantId, userId };
    const commands: CreateScheduleCommand[] = items.map((i) =>
      toCreateCommand(i.body, i.body.idempotencyKey ?? null, caller.tenant.settings.retryConfig),
    );
    const created = await createSchedulesFor(c.env, owner, commands, tenantDefaults(caller.tenant));
    created.forEach((result, k) => {
      const index = items[k]!.index;
      results[index] = result.ok
        ? { index, id: result.schedule.id }
        : { index, error: problem(result.code, result.detail, result.errors) };
    });
  };
  await forEachConcurrently(groups, USER_CONCURRENCY, work);
  const failed = results.filter((r) => "error" in r).length;
  return c.json({ created: results.length - failed, failed, results }, 200);
};
