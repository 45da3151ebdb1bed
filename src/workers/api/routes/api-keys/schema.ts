import { z } from "@hono/zod-openapi";
import type { ApiKeyRecord } from "../../../db/tenant-store";
import { ROLES } from "../../context";

export const CreateApiKeySchema = z
  .object({ name: z.string().min(1).max(200), role: z.enum(ROLES), idempotencyKey: z.string().optional() })
  .strict()
  .openapi("CreateApiKey");

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    keyPrefix: z.string(),
    createdAt: z.string(),
  })
  .openapi("ApiKey");

export function apiKeyView(k: ApiKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    keyPrefix: k.keyPrefix,
    createdAt: new Date(k.createdAt).toISOString(),
  };
}
