import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token",
            ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
            EXECUTION_LEASE_MS: "120000",
            // A tripped circuit in the breaker test probes again after 2 s, not 30.
            CIRCUIT_OPEN_MS: "2000",
            AI_TIMEOUT_MS: "300",
            // The fuzzers send hundreds of requests per tenant within a second or two: the pool's
            // default budget is higher, and the rate-limit tests give their tenant a tight one.
            API_RATE_LIMIT_PER_SECOND: "1000",
            API_RATE_LIMIT_BURST: "2000",
            // Two fixed test keys: k2 encrypts, k1 is an older key that must still decrypt.
            ENCRYPTION_KEYS: `k2:${btoa("k2-test-key-k2-test-key-k2-test!")},k1:${btoa("k1-test-key-k1-test-key-k1-test!")}`,
          },
          // The tenant's webhook receiver is the outside world: every outbound fetch of the
          // Worker lands in this auxiliary Worker, which the tests program and read back.
          outboundService: "webhook-receiver",
          // Workers AI is the outside world too: a stand-in Worker answers through the same run().
          serviceBindings: {
            RECEIVER: "webhook-receiver",
            AI: { name: "ai-stand-in", entrypoint: "AiStandIn" },
            AI_CONTROL: "ai-stand-in",
          },
          workers: [
            {
              name: "webhook-receiver",
              modules: true,
              scriptPath: "./test/support/receiver-worker.js",
              compatibilityDate: "2026-11-01",
            },
            {
              name: "ai-stand-in",
              modules: true,
              scriptPath: "./test/support/ai-stand-in.js",
              compatibilityDate: "2026-11-01",
            },
          ],
        },
      }),
    ],
    test: {
      setupFiles: ["./test/support/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      // date-holidays reaches moment-timezone, a CommonJS/UMD module: pre-bundle it with esbuild
      // for workerd, as wrangler does when it builds the Worker.
      deps: { optimizer: { ssr: { enabled: true, include: ["date-holidays"] } } },
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
