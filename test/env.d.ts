import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** The stand-in webhook receiver (test/support/receiver-worker.js). */
      RECEIVER: Fetcher;
      AI_CONTROL: Fetcher;
    }
  }
}
