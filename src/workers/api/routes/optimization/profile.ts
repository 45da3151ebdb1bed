import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { totals } from "../../../../lib/optimizer/profile";
import { loadPrior } from "../../../optimizer/models";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { tenantDefaults, userScheduler } from "../../user-scheduler";
import { UserParams } from "../users/schema";

const ProfileSchema = z
  .object({
    userId: z.string(),
    timezone: z.string(),
    profiles: z.array(
      z.object({
        notificationType: z.string(),
        sends: z.number().openapi({ description: "Decayed sends (half-life 45 days)" }),
        opens: z.number(),
        personalSends: z.number().openapi({
          description:
            "Of the sends, those whose hour the optimizer chose from this user's own history (source model or segment); training leaves them out",
        }),
        asOf: z.string().nullable(),
        hourOfWeek: z.array(z.number().nullable()).openapi({
          description: "168 predicted open rates, Monday 00:00 first (null without a trained model)",
        }),
        priorStrength: z.number().nullable(),
        modelVersion: z.string().nullable(),
      }),
    ),
  })
  .openapi("EngagementProfile");

export const route = createRoute({
  method: "get",
  path: "/v1/users/{userId}/engagement-profile",
  tags: ["Send-time optimization"],
  summary: "What the model knows about a user: counts and the predicted hour-of-week curve per type",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: UserParams },
  responses: { 200: jsonResponse(ProfileSchema, "The profile"), ...problemResponses(401) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { userId } = c.req.valid("param");
  const caller = c.get("caller");
  const owner = { tenantId: caller.tenantId, userId };
  const prior = await loadPrior(c.env, caller.tenantId, "*");
  const entries = await userScheduler(c.env, owner).engagementProfile(
    owner,
    prior,
    tenantDefaults(caller.tenant),
  );
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return c.json(
    {
      userId,
      timezone: entries[0]?.zone ?? caller.tenant.defaultTimezone,
      profiles: entries.map((e) => {
        const t = totals(e.profile);
        return {
          notificationType: e.type,
          sends: round(t.sends),
          opens: round(t.opens),
          personalSends: round(t.personalSends),
          asOf: e.profile.asOf ? new Date(e.profile.asOf).toISOString() : null,
          hourOfWeek: e.posterior ? e.posterior.mean.map(round) : e.profile.sends.map(() => null),
          priorStrength: e.posterior ? round(e.posterior.strength) : null,
          modelVersion: prior?.version ?? null,
        };
      }),
    },
    200,
  );
};
