import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { EngagementEvent } from "../../../../durable-objects/storage/engagement-store";
import { forEachConcurrently } from "../../../../lib/concurrency";
import { parseInstant } from "../../../../lib/time/local-time";
import { optimizerStore } from "../../../db/optimizer-store";
import { recordScheduleOpens } from "../../../optimizer/opens";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { tenantDefaults, userScheduler } from "../../user-scheduler";
import { EngagementEventSchema, IngestResultSchema, IngestSchema } from "../optimization/schema";

export const route = createRoute({
  method: "post",
  path: "/v1/engagement",
  tags: ["Send-time optimization"],
  summary: "Engagement events (sends, opens, clicks…) that teach the send-time model",
  description:
    "Up to 10,000 events. Each is checked on its own: bad ones are listed in `errors` and the rest are " +
    "accepted. `at` may be up to 400 days in the past (history imports) and at most 5 minutes ahead. An open " +
    "is paired with its send by `sendId` (or `scheduleId`), else with the latest earlier send of the same " +
    "user and type.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { body: jsonBody(IngestSchema) },
  responses: {
    202: jsonResponse(IngestResultSchema, "Accepted"),
    ...problemResponses(400, 401, 403, 413, 415),
  },
});

const DAY = 86_400_000;

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { events } = c.req.valid("json");
  const caller = c.get("caller");
  const now = Date.now();
  const errors: { index: number; message: string }[] = [];
  const byUser = new Map<string, EngagementEvent[]>();
  const openedSchedules: string[] = [];
  events.forEach((raw, index) => {
    const parsed = EngagementEventSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      errors.push({ index, message: `${issue.path.join(".") || "(event)"}: ${issue.message}` });
      return;
    }
    const e = parsed.data;
    const at = parseInstant(e.at);
    if (at === null) {
      errors.push({ index, message: "at: must be an ISO 8601 instant with Z or an offset" });
      return;
    }
    if (at < now - 400 * DAY || at > now + 5 * 60_000) {
      errors.push({ index, message: "at: must be within the last 400 days and at most 5 minutes ahead" });
      return;
    }
    if ((e.event === "opened" || e.event === "clicked") && e.scheduleId) openedSchedules.push(e.scheduleId);
    const list = byUser.get(e.userId) ?? [];
    list.push({ type: e.notificationType, event: e.event, at, sendKey: e.sendId ?? e.scheduleId ?? null });
    byUser.set(e.userId, list);
  });
  const copies: { userId: string; type: string; profile: string }[] = [];
  await forEachConcurrently([...byUser], 16, async ([userId, list]) => {
    const owner = { tenantId: caller.tenantId, userId };
    const changed = await userScheduler(c.env, owner).recordEngagement(
      owner,
      list,
      tenantDefaults(caller.tenant),
    );
    for (const [type, profile] of Object.entries(changed)) copies.push({ userId, type, profile });
  });
  // The training copy in D1; the profile that decisions read lives in the user's object.
  await optimizerStore(c.env.DB, caller.tenantId).saveProfiles(copies, now);
  // Opens reported for schedules count for their experiment variant and the live metrics.
  await recordScheduleOpens(c.env, caller.tenantId, openedSchedules);
  return c.json({ accepted: events.length - errors.length, rejected: errors.length, errors }, 202);
};
