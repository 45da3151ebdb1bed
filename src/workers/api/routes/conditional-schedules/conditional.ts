import type { z } from "@hono/zod-openapi";
import { openJson } from "../../../../lib/crypto/encryption";
import { ApiError } from "../../../../lib/errors";
import type { JsonObject } from "../../../../lib/json";
import { formatInstant } from "../../../../lib/time/zones";
import { type ConditionalRow, dripStore } from "../../../db/drip-store";
import type { Env } from "../../../env";
import type { CreateConditionalSchema } from "./schema";

type Body = z.infer<typeof CreateConditionalSchema>;

/** What D1 keeps of a conditional schedule besides its sealed payload. */
export interface ConditionalDefinition {
  where?: Body["trigger"]["where"];
  delay: string;
  notificationId: string;
  priority: number;
  conditions: Body["conditions"];
}

export async function loadConditional(env: Env, tenantId: string, id: string): Promise<ConditionalRow> {
  const row = await dripStore(env.DB, tenantId).getConditional(id);
  if (!row) throw new ApiError("not_found", `no conditional schedule ${id}`);
  return row;
}

export async function openConditionalPayload(env: Env, row: ConditionalRow): Promise<JsonObject> {
  return openJson<JsonObject>(env.ENCRYPTION_KEYS, row.payload, `${row.id}:payload`);
}

export async function conditionalView(env: Env, row: ConditionalRow) {
  const def = JSON.parse(row.definition) as ConditionalDefinition;
  return {
    id: row.id,
    userId: row.userId,
    trigger: { event: row.triggerEvent, ...(def.where ? { where: def.where } : {}) },
    delay: def.delay,
    notificationId: def.notificationId,
    payload: await openConditionalPayload(env, row),
    priority: def.priority,
    conditions: def.conditions,
    createdAt: formatInstant(row.createdAt),
  };
}
