import { swaggerUI } from "@hono/swagger-ui";
import { parseKeyring } from "../../lib/crypto/encryption";
import { createApp } from "./app";
import { requireAdminToken, requireApiKey } from "./middleware/auth";
import { jsonBodyGuard } from "./middleware/json-body";
import { enforceRateLimit } from "./middleware/rate-limit";
import { registerRoutes } from "./routes";
import { VERSION } from "./routes/ops/health";

/** The public HTTP API: body guard → auth (operator token or tenant key) → the tenant's rate limit → zod → route. */
export function buildApi() {
  const app = createApp();
  app.use("/v1/*", jsonBodyGuard);
  // Every stored payload and webhook secret is sealed: without a valid keyring, nothing is accepted (503).
  app.use("/v1/*", async (c, next) => {
    parseKeyring(c.env.ENCRYPTION_KEYS);
    return next();
  });
  app.use("/v1/admin/*", requireAdminToken);
  app.use("/v1/*", async (c, next) =>
    c.req.path.startsWith("/v1/admin/") ? next() : requireApiKey(c, next),
  );
  app.use("/v1/*", async (c, next) =>
    c.req.path.startsWith("/v1/admin/") ? next() : enforceRateLimit(c, next),
  );
  registerRoutes(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A tenant API key (`sk_...`); `X-API-Key: <key>` is accepted too.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The operator's ADMIN_TOKEN (only for POST /v1/admin/tenants).",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Notification Scheduler API",
      version: VERSION,
      description: "Schedule notifications per user and timezone; they are delivered as signed webhooks.",
    },
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json" }));
  return app;
}
