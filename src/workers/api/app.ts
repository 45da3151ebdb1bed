import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import { KeyringError } from "../../lib/crypto/encryption";
import { ApiError, type FieldError, problem } from "../../lib/errors";
import type { AppEnv } from "./context";

export function problemResponse(c: Context, error: ApiError, headers?: Record<string, string>): Response {
  return c.json(error.toProblem(), error.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
    ...headers,
  });
}

/** Zod issues as field errors: `schedules.3.userId`, `query.limit`, `path.id`. */
export function fieldErrors(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const named = prefix ? [prefix, path].filter(Boolean).join(".") : path;
    return { path: named || "(body)", message: issue.message };
  });
}

const TARGET_PREFIX: Record<string, string | undefined> = { json: undefined, query: "query", param: "path" };

/** The one app factory: zod failures and thrown errors both become problem+json. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const errors = fieldErrors(result.error, TARGET_PREFIX[result.target]);
        const detail = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
        return problemResponse(c, new ApiError("validation_error", detail, errors));
      }
    },
  });

  app.onError((error, c) => {
    if (error instanceof ApiError) return problemResponse(c, error);
    if (error instanceof KeyringError)
      return problemResponse(c, new ApiError("service_unavailable", error.message));
    if (error instanceof HTTPException && error.status < 500) {
      const code =
        error.status === 413
          ? "payload_too_large"
          : error.status === 401
            ? "unauthorized"
            : "validation_error";
      return problemResponse(c, new ApiError(code, error.message || "bad request"));
    }
    console.error(JSON.stringify({ msg: "unhandled error", path: c.req.path, error: String(error) }));
    return c.json(problem("internal_error", "an unexpected error occurred"), 500, {
      "Content-Type": "application/problem+json",
    });
  });

  app.notFound((c) =>
    problemResponse(c, new ApiError("not_found", `no route ${c.req.method} ${c.req.path}`)),
  );
  return app;
}

export type App = ReturnType<typeof createApp>;
