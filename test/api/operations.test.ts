import { describe, expect, it } from "vitest";
import { call } from "../support/api";

describe("operations", () => {
  it("reports health of D1, a Durable Object round trip and the Queue binding", async () => {
    const health = await call("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: "healthy",
      checks: { d1: "ok", durableObjects: "ok", queue: "ok" },
      version: expect.any(String),
    });
  });

  it("serves an OpenAPI 3.1 document of the /v1 contract, and a reference page", async () => {
    const doc = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      "GET",
      "/openapi.json",
    );
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      "/v1/admin/tenants",
      "/v1/tenant",
      "/v1/api-keys",
      "/v1/api-keys/{id}",
      "/v1/users/{userId}",
      "/v1/users/{userId}/schedules",
      "/v1/schedules",
      "/v1/schedules/bulk",
      "/v1/schedules/bulk-cancel",
      "/v1/schedules/{id}",
      "/v1/schedules/{id}/pause",
      "/v1/schedules/{id}/resume",
      "/v1/schedules/{id}/execute",
      "/v1/schedules/{id}/executions",
      "/v1/schedules/{id}/send-time",
      "/v1/dead-letters",
      "/v1/deliveries/callback",
      "/v1/timezones",
      "/v1/timezones/info",
      "/v1/timezones/transitions",
      "/v1/timezones/convert",
      "/v1/timezones/business-hours",
      "/v1/holidays",
      "/v1/recurring",
      "/v1/recurring/{id}",
      "/v1/recurring/{id}/pause",
      "/v1/recurring/{id}/resume",
      "/v1/recurring/{id}/status",
      "/v1/recurring/{id}/occurrences",
      "/v1/recurring/preview",
      "/v1/recurring/validate",
      "/v1/engagement",
      "/v1/users/{userId}/optimal-send-time",
      "/v1/users/{userId}/engagement-profile",
      "/v1/optimization/bulk",
      "/v1/optimization/train",
      "/v1/optimization/performance",
      "/v1/experiments",
      "/v1/experiments/{id}/results",
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(doc.body.paths["/v1/schedules/{id}"]!).sort()).toEqual(["delete", "get", "patch"]);
    const docs = await call<string>("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.body).toContain("openapi.json");
  });

  it("answers unknown routes with a problem, not an HTML page", async () => {
    const missing = await call("GET", "/v1/nothing-here", { key: "sk_x" });
    expect(missing.status).toBe(401);
    const unknown = await call("GET", "/nowhere");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
  });
});
