import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../../../lib/errors";
import {
  compareToControl,
  sampleSizePerVariant,
  wilsonInterval,
} from "../../../../lib/optimizer/experiments";
import { experimentStore, type Variant } from "../../../db/experiment-store";
import type { AppEnv } from "../../context";
import { requireRole } from "../../middleware/auth";
import { bearerSecurity, jsonResponse, problemResponses } from "../../schemas";
import { ExperimentIdParams, ExperimentResultsSchema } from "./schema";

export const route = createRoute({
  method: "get",
  path: "/v1/experiments/{id}/results",
  tags: ["Send-time optimization"],
  summary: "Per variant: sends, opens, rate with a 95 % interval, lift over control and its p-value",
  security: bearerSecurity,
  middleware: [requireRole("viewer")] as const,
  request: { params: ExperimentIdParams },
  responses: { 200: jsonResponse(ExperimentResultsSchema, "The results"), ...problemResponses(401, 404) },
});

export const handler: RouteHandler<typeof route, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const store = experimentStore(c.env.DB, c.get("caller").tenantId);
  const experiment = await store.get(id);
  if (!experiment) throw new ApiError("not_found", `no experiment ${id}`);
  const variants = JSON.parse(experiment.variants) as Variant[];
  const counts = await store.counts(id);
  const of = (i: number) => {
    const row = counts.find((r) => r.variant === i);
    return { sends: Number(row?.sends ?? 0), opens: Number(row?.opens ?? 0) };
  };
  const controlIndex = Math.max(
    0,
    variants.findIndex((v) => v.strategy === "fixed"),
  );
  const control = of(controlIndex);
  const round = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);
  const controlRate = control.sends > 0 ? control.opens / control.sends : null;
  return c.json(
    {
      experimentId: id,
      control: variants[controlIndex]!.name,
      variants: variants.map((v, i) => {
        const { sends, opens } = of(i);
        const { lift, pValue } =
          i === controlIndex
            ? { lift: null, pValue: null }
            : compareToControl(opens, sends, control.opens, control.sends);
        const [low, high] = wilsonInterval(opens, sends);
        return {
          name: v.name,
          sends,
          opens,
          rate: round(sends > 0 ? opens / sends : null),
          interval95: [round(low)!, round(high)!] as [number, number],
          lift: round(lift),
          pValue: round(pValue),
        };
      }),
      sampleSizePerVariant: controlRate && controlRate < 0.9 ? sampleSizePerVariant(controlRate, 0.1) : null,
    },
    200,
  );
};
