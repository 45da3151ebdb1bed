#!/usr/bin/env node
// (b) One bulk request of 10,000 schedules for one user: wall time of the whole request.
//   node bench/bulk.mjs --storage tmpfs|disk [--items 10000] [--repeat 3] [--port 8912]
import {
  cleanup,
  createTenant,
  log,
  parseArgs,
  percentile,
  round,
  startServer,
  stateDir,
} from "./lib/common.mjs";

const opts = parseArgs({ storage: "tmpfs", items: 10000, repeat: 3, port: 8912 });
const dir = stateDir(opts.storage);
log(`bulk: storage=${opts.storage} (${dir}) items=${opts.items} repeat=${opts.repeat}`);
const server = await startServer({ port: opts.port, persistTo: dir });
try {
  const tenant = await createTenant(server.base, "http://127.0.0.1:9/unused");
  const times = [];
  for (let run = 0; run < opts.repeat; run++) {
    const start = Date.now() + 3600_000;
    const schedules = Array.from({ length: opts.items }, (_, i) => ({
      userId: `bulk-user-${run}`,
      notificationId: "digest",
      scheduledTime: new Date(start + i * 1000).toISOString(),
      payload: { n: i },
    }));
    const body = JSON.stringify({ schedules });
    const t0 = performance.now();
    const response = await fetch(`${server.base}/v1/schedules/bulk`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
      body,
    });
    const answer = await response.json();
    const ms = performance.now() - t0;
    if (response.status !== 200 || answer.created !== opts.items) {
      throw new Error(
        `bulk run ${run}: HTTP ${response.status}, created ${answer.created}, failed ${answer.failed}`,
      );
    }
    times.push(ms);
    log(
      `run ${run + 1}: ${round(ms, 0)} ms for ${opts.items} (${round(body.length / 1024 / 1024, 2)} MiB body)`,
    );
  }
  console.log(
    JSON.stringify({
      bench: "bulk-create",
      storage: opts.storage,
      items: opts.items,
      runs: times.map((t) => round(t, 0)),
      medianMs: round(percentile(times, 50), 0),
      maxMs: round(Math.max(...times), 0),
    }),
  );
} finally {
  await server.stop();
  cleanup(dir);
}
