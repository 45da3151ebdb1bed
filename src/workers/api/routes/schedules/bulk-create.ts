import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import type { Owner } from "../../../../durable-objects/user-scheduler";
import { forEachConcurrently } from "../../../../lib/concurrency";
import { ApiError, problem } from "../../../../lib/errors";
import type { CreateScheduleCommand } from "../../../../lib/schedules/commands";
import { formatInstant } from "../../../../lib/time/zones";
import {
  type OptimizedTime,
  optimizedTime,
  recordOptimizedCreation,
} from "../../../optimizer/optimized-create";
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
    const list = byUser.get(parsed.data.userId) ?? [];
    list.push({ index, body: parsed.data });
    byUser.set(parsed.data.userId, list);
  });
  // Items with sendTime.optimize get their time from the optimizer first; a refusal fails that item.
  const optimized = new Map<number, OptimizedTime>();
  const toOptimize = [...byUser.values()].flat().filter((i) => i.body.sendTime);
  await forEachConcurrently(toOptimize, USER_CONCURRENCY, async (item) => {
    try {
      optimized.set(item.index, await optimizedTime(c.env, caller, item.body));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      results[item.index] = {
        index: item.index,
        error: problem(error.code, error.detail, error.fieldErrors),
      };
    }
  });
  for (const [userId, items] of byUser) {
    const remaining = items.filter((i) => !results[i.index]);
    if (remaining.length > 0) byUser.set(userId, remaining);
    else byUser.delete(userId);
  }

  const groups = [...byUser.entries()];
  const work = async ([userId, items]: (typeof groups)[number]) => {
    const owner: Owner = { tenantId: caller.tenantId, userId };
    const commands: CreateScheduleCommand[] = items.map((i) => {
      const time = optimized.get(i.index);
      const body = time ? { ...i.body, scheduledTime: formatInstant(time.at) } : i.body;
      const command = toCreateCommand(
        body,
        i.body.idempotencyKey ?? null,
        caller.tenant.settings.retryConfig,
      );
      if (time) command.sendTimeSource = time.source;
      return command;
    });
    const created = await createSchedulesFor(c.env, owner, commands, tenantDefaults(caller.tenant));
    for (const [k, result] of created.entries()) {
      const index = items[k]!.index;
      results[index] = result.ok
        ? { index, id: result.schedule.id }
        : { index, error: problem(result.code, result.detail, result.errors) };
      const time = optimized.get(index);
      if (result.ok && time)
        await recordOptimizedCreation(c.env, caller.tenantId, result.schedule.id, userId, time);
    }
  };
  await forEachConcurrently(groups, USER_CONCURRENCY, work);
  const failed = results.filter((r) => "error" in r).length;
  return c.json({ created: results.length - failed, failed, results }, 200);
};
