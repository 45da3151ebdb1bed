import type { z } from "@hono/zod-openapi";
import { openJson } from "../../../../lib/crypto/encryption";
import { ApiError } from "../../../../lib/errors";
import type { ConditionInput, DripSpec } from "../../../../lib/journeys/drips";
import type { JsonObject } from "../../../../lib/json";
import { DEFAULT_RETRY_CONFIG } from "../../../../lib/schedules/model";
import { formatInstant } from "../../../../lib/time/zones";
import { type DripRow, dripStore } from "../../../db/drip-store";
import type { Env } from "../../../env";
import type { TenantRecord } from "../../context";
import { failureToError, tenantDefaults, userScheduler } from "../../user-scheduler";
import type { CreateDripSchema } from "./schema";

/** What D1 keeps of a drip besides its sealed payloads. */
export interface DripDefinition {
  steps: { delay: string; notificationId: string; priority: number; conditions: ConditionInput[] }[];
  exitOn: string[];
  reenroll: DripSpec["reenroll"];
}

export async function loadDrip(env: Env, tenantId: string, id: string): Promise<DripRow> {
  const row = await dripStore(env.DB, tenantId).getDrip(id);
  if (!row) throw new ApiError("not_found", `no drip ${id}`);
  return row;
}

async function payloadsOf(env: Env, row: DripRow): Promise<JsonObject[]> {
  return openJson<JsonObject[]>(env.ENCRYPTION_KEYS, row.templates, `${row.id}:templates`);
}

export async function dripView(env: Env, row: DripRow) {
  const def = JSON.parse(row.definition) as DripDefinition;
  const payloads = await payloadsOf(env, row);
  return {
    id: row.id,
    name: row.name,
    steps: def.steps.map((s, i) => ({
      delay: s.delay,
      notificationTemplate: {
        notificationId: s.notificationId,
        payload: payloads[i] ?? {},
        priority: s.priority,
      },
      conditions: s.conditions as z.infer<typeof CreateDripSchema>["steps"][number]["conditions"],
    })),
    exitOn: def.exitOn,
    trigger: row.triggerEvent ? { event: row.triggerEvent } : null,
    reenroll: def.reenroll,
    createdAt: formatInstant(row.createdAt),
  };
}

/**
 * Enroll a user: the user's object checks the re-enrollment rule and creates the steps' schedules
 * (derived ids per enrollment). Answers the enrollment and its schedules' ids, or a refusal when
 * the object refused (already enrolled; "never" and enrolled before).
 */
export async function enrollUser(env: Env, tenant: TenantRecord, row: DripRow, userId: string, at: number) {
  const def = JSON.parse(row.definition) as DripDefinition;
  const payloads = await payloadsOf(env, row);
  const spec: DripSpec = {
    id: row.id,
    steps: def.steps.map((s, i) => ({ ...s, payload: payloads[i] ?? {} })),
    exitOn: def.exitOn,
    reenroll: def.reenroll,
    retryConfig: tenant.settings.retryConfig ?? DEFAULT_RETRY_CONFIG,
  };
  const owner = { tenantId: tenant.id, userId };
  const answer = await userScheduler(env, owner).enrollInDrip(owner, spec, at, tenantDefaults(tenant));
  if (!answer.ok) return { refused: answer.detail } as const;
  const scheduleIds = answer.results.map((r) => {
    if (!r.ok) throw failureToError(r);
    return r.schedule.id;
  });
  return { enrollment: answer.seq, scheduleIds } as const;
}
