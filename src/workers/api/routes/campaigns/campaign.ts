import type { z } from "@hono/zod-openapi";
import { openJson, sealJson } from "../../../../lib/crypto/encryption";
import { ApiError, type FieldError } from "../../../../lib/errors";
import { type CampaignDefinition, phaseDueTimes } from "../../../../lib/journeys/campaign-plan";
import type { JsonObject } from "../../../../lib/json";
import { priorityValue } from "../../../../lib/schedules/model";
import { parseInstant, resolveLocalTime } from "../../../../lib/time/local-time";
import { formatInstant } from "../../../../lib/time/zones";
import { type CampaignRow, campaignStore } from "../../../db/campaign-store";
import type { Env } from "../../../env";
import type { CreateCampaignSchema } from "./schema";

type CreateBody = z.infer<typeof CreateCampaignSchema>;

/** An instant, or a local date-time in the campaign's zone (P1); a 400 naming the field otherwise. */
function instantOf(text: string, zone: string, path: string): number {
  const at = parseInstant(text) ?? resolveLocalTime(text, zone)?.epochMs ?? null;
  if (at === null) {
    throw new ApiError("validation_error", `${path}: must be an ISO 8601 date-time`, [
      { path, message: "must be an ISO 8601 date-time: an instant, or a local time read in `timezone`" },
    ]);
  }
  return at;
}

/**
 * The stored definition and the phases' payloads from a create body, after the checks zod cannot
 * make: unique phase names, conditions naming an earlier phase, an end after the start.
 */
export function definitionFrom(body: CreateBody): { def: CampaignDefinition; payloads: JsonObject[] } {
  const errors: FieldError[] = [];
  if ("segment" in body.audience) {
    errors.push({
      path: "audience.segment",
      message: "segment audiences are not supported yet: send the recipients as userIds",
    });
  }
  const startAt = instantOf(body.startDate, body.timezone, "startDate");
  const endAt = body.endDate ? instantOf(body.endDate, body.timezone, "endDate") : null;
  if (endAt !== null && endAt <= startAt)
    errors.push({ path: "endDate", message: "must be after startDate" });
  const seen = new Map<string, number>();
  body.phases.forEach((phase, i) => {
    if (seen.has(phase.name))
      errors.push({ path: `phases.${i}.name`, message: "phase names must be unique" });
    seen.set(phase.name, i);
    phase.conditions.forEach((c, j) => {
      if ("phase" in c && !(seen.has(c.phase) && seen.get(c.phase)! < i)) {
        errors.push({ path: `phases.${i}.conditions.${j}.phase`, message: "must name an earlier phase" });
      }
    });
  });
  if (errors.length > 0) {
    throw new ApiError("validation_error", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  }
  const def: CampaignDefinition = {
    timezone: body.timezone,
    startAt,
    endAt,
    rules: body.rules,
    phases: body.phases.map((p) => {
      const template =
        typeof p.notificationTemplate === "string"
          ? { notificationId: p.notificationTemplate }
          : p.notificationTemplate;
      return {
        name: p.name,
        delay: p.delay,
        notificationId: template.notificationId,
        priority: priorityValue("priority" in template ? template.priority : undefined),
        targetPercentage: p.targetPercentage,
        conditions: p.conditions,
      };
    }),
  };
  const payloads = body.phases.map((p) =>
    typeof p.notificationTemplate === "string" ? {} : (p.notificationTemplate.payload ?? {}),
  );
  return { def, payloads };
}

export function sealTemplates(env: Env, id: string, payloads: JsonObject[]): Promise<string> {
  return sealJson(env.ENCRYPTION_KEYS, payloads, `${id}:templates`);
}

export async function loadCampaign(env: Env, tenantId: string, id: string): Promise<CampaignRow> {
  const row = await campaignStore(env.DB, tenantId).getCampaign(id);
  if (!row) throw new ApiError("not_found", `no campaign ${id}`);
  return row;
}

const isoOrNull = (ms: number | null) => (ms === null ? null : formatInstant(ms));

export async function campaignView(env: Env, row: CampaignRow) {
  const def = JSON.parse(row.definition) as CampaignDefinition;
  const payloads = await openJson<JsonObject[]>(env.ENCRYPTION_KEYS, row.templates, `${row.id}:templates`);
  const due = phaseDueTimes(def);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    audience: { size: row.audienceSize },
    phases: def.phases.map((p, i) => ({
      name: p.name,
      delay: p.delay,
      notificationTemplate: {
        notificationId: p.notificationId,
        payload: payloads[i] ?? {},
        priority: p.priority,
      },
      targetPercentage: p.targetPercentage,
      conditions: p.conditions as z.infer<typeof CreateCampaignSchema>["phases"][number]["conditions"],
      dueAt: formatInstant(due[i]!),
    })),
    rules: def.rules,
    startDate: formatInstant(def.startAt),
    endDate: isoOrNull(def.endAt),
    timezone: def.timezone,
    createdAt: formatInstant(row.createdAt),
    updatedAt: formatInstant(row.updatedAt),
    scheduledAt: isoOrNull(row.scheduledAt),
    completedAt: isoOrNull(row.completedAt),
  };
}
