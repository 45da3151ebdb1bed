import { createMiddleware } from "hono/factory";
import { ApiError } from "../../../lib/errors";
import type { AppEnv } from "../context";

const MiB = 1024 * 1024;
/** Bulk endpoints take 10 MiB, everything else 1 MiB (API.md). */
const BULK_PATHS = [
  /^\/v1\/schedules\/bulk(-cancel)?$/,
  /^\/v1\/engagement$/,
  /^\/v1\/optimization\/bulk$/,
  /^\/v1\/campaigns(\/[^/]+\/audience)?$/,
];

/**
 * Before any route sees a body: it must be JSON (415), within the size limit (413), and parse (400).
 * Routes then validate its shape with zod.
 */
export const jsonBodyGuard = createMiddleware<AppEnv>(async (c, next) => {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
  const limit = BULK_PATHS.some((p) => p.test(c.req.path)) ? 10 * MiB : MiB;
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit) throw new ApiError("payload_too_large", `request body exceeds ${limit / MiB} MiB`);
  const text = await c.req.text();
  if (text.length === 0) return next(); // bodiless actions (pause, resume, execute)
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new ApiError("unsupported_media_type", "send the body as application/json");
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the text could be over.
  if (text.length * 3 > limit && new TextEncoder().encode(text).length > limit) {
    throw new ApiError("payload_too_large", `request body exceeds ${limit / MiB} MiB`);
  }
  try {
    // Parsed once here; the route's validator reads this same value from hono's body cache.
    c.req.bodyCache.json = Promise.resolve(JSON.parse(text));
  } catch (error) {
    throw new ApiError("invalid_json", `body is not valid JSON: ${(error as Error).message}`, [
      { path: "(body)", message: "not valid JSON" },
    ]);
  }
  return next();
});
