import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { parseInstant } from "../../../../lib/time/local-time";
import { optimizerStore } from "../../../db/optimizer-store";
import { scheduleIndex } from "../../../db/schedule-index";
import { recordScheduleOpens } from "../../../optimizer/opens";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonBody, jsonResponse, problemResponses } from "../../schemas";
import { ownerOfSchedule, unwrap, userScheduler } from "../../user-scheduler";

const CallbackSchema = z
  .object({
    scheduleId: z.string().min(1).max(300),
    executionId: z.string().min(1).max(100).optional(),
    event: z.enum(["delivered", "failed", "opened", "clicked", "dismissed"]),
    at: z
      .string()
      .refine((v) => parseInstant(v) !== null, { message: "must be an ISO 8601 instant with Z or an offset" })
      .optional(),
  })
  .strict()
  .openapi("DeliveryCallback");

export const route = createRoute({
  method: "post",
  path: "/v1/deliveries/callback",
  tags: ["Delivery"],
  summary: "Report what happened to a delivered notification",
  description:
    "Delivery status and engagement as your notification service saw it. The first report of each event " +
    "per execution counts (repeats answer `recorded: false`); it feeds send-time optimization.",
  security: bearerSecurity,
  middleware: [requireRole("editor")] as const,
  request: { body: jsonBody(CallbackSchema) },
  responses: {
    202: jsonResponse(z.object({ accepted: z.literal(true), recorded: z.boolean() }), "Accepted"),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const owner = ownerOfSchedule(c.get("caller"), body.scheduleId);
  const at = body.at ? parseInstant(body.at)! : Date.now();
  const { recorded, profiles } = unwrap(
    await userScheduler(c.env, owner).recordDeliveryEvent(owner, {
      scheduleId: body.scheduleId,
      executionId: body.executionId,
      event: body.event,
      at,
    }),
  );
  // An open feeds the send-time model (the training copy in D1), the optimizer's live metrics and,
  // if the schedule was sent under a send-time experiment, its variant's count.
  if (recorded && (body.event === "opened" || body.event === "clicked")) {
    const copies = Object.entries(profiles).map(([type, profile]) => ({
      userId: owner.userId,
      type,
      profile,
    }));
    await optimizerStore(c.env.DB, owner.tenantId).saveProfiles(copies, Date.now());
    await recordScheduleOpens(c.env, owner.tenantId, [body.scheduleId]);
    await scheduleIndex(c.env.DB, owner.tenantId).markOpened(body.scheduleId, at);
  }
  return c.json({ accepted: true as const, recorded }, 202);
};
