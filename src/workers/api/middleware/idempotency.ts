import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../../../lib/crypto/hash";
import { ApiError } from "../../../lib/errors";
import { tenantStore } from "../../db/tenant-store";
import type { AppEnv } from "../context";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Stripe-style idempotency for POST creators: the `Idempotency-Key` header (or `idempotencyKey` in
 * the body). Same key + same body within 24 h replays the first answer; another body is a 409.
 */
export const idempotent = createMiddleware<AppEnv>(async (c, next) => {
  const text = await c.req.text();
  let key = c.req.header("idempotency-key") ?? null;
  if (key === null && text) {
    const body = JSON.parse(text) as unknown;
    if (
      body &&
      typeof body === "object" &&
      "idempotencyKey" in body &&
      typeof body.idempotencyKey === "string"
    ) {
      key = body.idempotencyKey;
    }
  }
  if (key === null) return next();
  if (!KEY_PATTERN.test(key))
    throw ApiError.validation("Idempotency-Key", "1-255 printable ASCII characters");

  const store = tenantStore(c.env.DB, c.get("caller").tenantId);
  const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${text}`);
  if (!(await store.claimIdempotencyKey(key, requestHash, Date.now()))) {
    const record = await store.getIdempotencyRecord(key);
    if (record && record.requestHash !== requestHash) {
      throw new ApiError("idempotency_key_reused", "this Idempotency-Key was used with a different request");
    }
    if (!record || record.responseStatus === null || record.responseBody === null) {
      throw new ApiError("idempotency_request_in_progress", "retry once the first request has finished");
    }
    return new Response(record.responseBody, {
      status: record.responseStatus,
      headers: { "Content-Type": "application/json", "Idempotent-Replayed": "true" },
    });
  }
  try {
    await next();
  } catch (error) {
    await store.releaseIdempotencyKey(key);
    throw error;
  }
  // Only outcomes worth replaying are kept; a failure leaves the key free for a corrected retry.
  if (c.res.status < 400) await store.saveIdempotentResponse(key, c.res.status, await c.res.clone().text());
  else await store.releaseIdempotencyKey(key);
});
