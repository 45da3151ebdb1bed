#!/usr/bin/env node
import {
  cleanup,
  createTenant,
  log,
  parseArgs,
  round,
  runPool,
  startBare,
  startServer,
  stateDir,
  summarise,
} from "./lib/common.mjs";

const opts = parseArgs({
  target: "ours",
  storage: "tmpfs",
  users: 1,
  requests: 10000,
  concurrency: 64,
  port: 8911,
  warmup: 200,
});
const dir = stateDir(opts.storage);
log(
  `create-throughput: target=${opts.target} storage=${opts.storage} (${dir}) users=${opts.users} requests=${opts.requests} in-flight=${opts.concurrency}`,
);

const server =
  opts.target === "bare"
    ? await startBare({ port: opts.port, persistTo: dir })
    : await startServer({ port: opts.port, persistTo: dir });

try {
  let headers = { "content-type": "application/json" };
  let url = `${server.base}/`;
  if (opts.target === "ours") {
    const tenant = await createTenant(server.base, "http://127.0.0.1:9/unused");
    headers = { ...headers, authorization: `Bearer ${tenant.apiKey}` };
    url = `${server.base}/v1/schedules`;
  }
  const due = new Date(Date.now() + 3600_000).toISOString();
  let failures = 0;
  const send = async (userId) => {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        userId,
        notificationId: "bench",
        scheduledTime: due,
        payload: { title: "hello" },
      }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) failures++;
  };
  // Warm-up on separate users so the measured run still creates fresh objects when users = requests.
  await runPool(opts.warmup, Math.min(opts.concurrency, 16), (i) => send(`warm-${i % 8}`));
  const { latencies, wallMs } = await runPool(
    opts.requests,
    opts.concurrency,
    (i) => send(`user-${i % opts.users}`),
    "creates",
  );
  const result = {
    bench: "create-throughput",
    target: opts.target,
    storage: opts.storage,
    users: opts.users,
    requests: opts.requests,
    inFlight: opts.concurrency,
    perSecond: round((opts.requests / wallMs) * 1000, 0),
    latencyMs: summarise(latencies),
    failures,
  };
  console.log(JSON.stringify(result));
} finally {
  await server.stop();
  cleanup(dir);
}
