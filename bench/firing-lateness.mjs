#!/usr/bin/env node
// (c) Firing lateness: N schedules due inside a W-second window across U users, measured at a
// webhook receiver this script runs (receipt time − scheduledTime). Also counts every delivery per
// webhook-id, so a lost or doubled execution shows. By default the bare prototype (its alarm signs
// and POSTs each notification itself) runs first on the same machine, and then ours, in one run.
//   node bench/firing-lateness.mjs --storage tmpfs|disk [--schedules 10000] [--users 1000]
//        [--window 10] [--lead 45] [--target both|ours|bare] [--port 8913] [--receiver-port 8914]
//        [--var NAME:VALUE,...]  (overrides of our wrangler.toml [vars], e.g. DIRECT_DELIVERY_MAX:1)
import { createServer } from "node:http";
import {
  cleanup,
  createTenant,
  log,
  parseArgs,
  round,
  startBare,
  startServer,
  stateDir,
  summarise,
} from "./lib/common.mjs";

const opts = parseArgs({
  storage: "tmpfs",
  schedules: 10000,
  users: 1000,
  window: 10,
  lead: 45,
  port: 8913,
  receiverPort: 8914,
  drain: 60,
  target: "both",
});
const deliveries = new Map(); // webhook-id → [{ receivedAt, scheduledTime, attempt }]
let received = 0;
const receiver = createServer((request, response) => {
  const chunks = [];
  request.on("data", (c) => chunks.push(c));
  request.on("end", () => {
    const receivedAt = Date.now();
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const id = request.headers["webhook-id"];
    const list = deliveries.get(id) ?? [];
    list.push({
      receivedAt,
      scheduledTime: Date.parse(body.scheduledTime),
      firedAt: Date.parse(body.firedAt),
      attempt: body.attempt,
    });
    deliveries.set(id, list);
    received++;
    inFlight--;
    response.writeHead(200).end("ok");
  });
});
let sockets = 0;
let inFlight = 0;
let peakInFlight = 0;
receiver.on("connection", () => sockets++);
receiver.on("request", () => {
  inFlight++;
  peakInFlight = Math.max(peakInFlight, inFlight);
});
await new Promise((r) => receiver.listen(opts.receiverPort, "127.0.0.1", r));

// --base URL measures a server that is already running (e.g. under a profiler) instead of starting one.
async function measure(target) {
  deliveries.clear();
  received = 0;
  peakInFlight = 0;
  sockets = 0;
  const dir = opts.base ? null : stateDir(opts.storage);
  log(
    `firing-lateness [${target}]: ${opts.base ?? `storage=${opts.storage} (${dir})`} ${opts.schedules} schedules, ${opts.users} users, ${opts.window}s window`,
  );
  const server = opts.base
    ? { base: opts.base, output: () => "", stop: async () => {} }
    : target === "bare"
      ? await startBare({ port: opts.port, persistTo: dir })
      : await startServer({
          port: opts.port,
          persistTo: dir,
          vars: opts.var ? String(opts.var).split(",") : [],
        });
  try {
    const webhookUrl = `http://127.0.0.1:${opts.receiverPort}/hooks`;
    const bare = target === "bare";
    const tenant = bare ? { apiKey: "" } : await createTenant(server.base, webhookUrl);
    const windowStart = Date.now() + opts.lead * 1000;
    const all = Array.from({ length: opts.schedules }, (_, i) => ({
      userId: `late-user-${i % opts.users}`,
      notificationId: "reminder",
      scheduledTime: new Date(
        windowStart + Math.floor((i / opts.schedules) * opts.window * 1000),
      ).toISOString(),
      payload: { i },
      ...(bare ? { webhookUrl } : {}),
    }));
    const createStart = Date.now();
    for (let i = 0; i < all.length; i += 1000) {
      const response = await fetch(`${server.base}${bare ? "/bulk" : "/v1/schedules/bulk"}`, {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ schedules: all.slice(i, i + 1000) }),
      });
      const answer = await response.json();
      if (answer.created !== Math.min(1000, all.length - i))
        throw new Error(`bulk: ${JSON.stringify(answer).slice(0, 300)}`);
    }
    if (opts.warmup) {
      // One delivery before the window, so the executor's tenant cache is warm (as in a running service).
      await fetch(`${server.base}${bare ? "/" : "/v1/schedules"}`, {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          userId: "warm-up",
          notificationId: "warm-up",
          scheduledTime: new Date().toISOString(),
          ...(bare ? { webhookUrl } : {}),
        }),
      });
      while (deliveries.size === 0) await new Promise((r) => setTimeout(r, 50));
      deliveries.clear();
      received = 0;
    }
    const createdAt = Date.now();
    log(
      `created ${all.length} in ${createdAt - createStart} ms; window opens in ${windowStart - createdAt} ms`,
    );
    if (createdAt > windowStart) log("WARNING: creation ran into the window; raise --lead");

    // While it fires, probe the API: a D1 read (GET /v1/tenant) and /health, every 250 ms.
    const probes = { tenant: [], health: [] };
    let probing = !bare;
    const probeLoop = (async () => {
      while (probing) {
        for (const [name, path] of [
          ["tenant", "/v1/tenant"],
          ["health", "/health"],
        ]) {
          const t0 = performance.now();
          const r = await fetch(`${server.base}${path}`, {
            headers: { authorization: `Bearer ${tenant.apiKey}` },
          });
          await r.arrayBuffer();
          if (Date.now() >= windowStart && Date.now() <= windowStart + opts.window * 1000)
            probes[name].push(performance.now() - t0);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const deadline = windowStart + (opts.window + opts.drain) * 1000;
    let lastReport = 0;
    while (Date.now() < deadline && deliveries.size < opts.schedules) {
      await new Promise((r) => setTimeout(r, 200));
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        log(`received ${deliveries.size}/${opts.schedules} executions (${received} requests)`);
      }
    }
    probing = false;
    await probeLoop;
    const firstAttempts = [...deliveries.values()].map(
      (list) => list.sort((a, b) => a.receivedAt - b.receivedAt)[0],
    );
    const lateness = firstAttempts.map((d) => d.receivedAt - d.scheduledTime);
    const doubled = [...deliveries.values()].filter((list) => list.length > 1).length;
    if (opts.timeline) {
      // Per second since the window opened: executions claimed (fired) and received, to see where a backlog forms.
      const fired = new Map();
      const got = new Map();
      for (const d of firstAttempts) {
        const f = Math.floor((d.firedAt - windowStart) / 1000);
        const r = Math.floor((d.receivedAt - windowStart) / 1000);
        fired.set(f, (fired.get(f) ?? 0) + 1);
        got.set(r, (got.get(r) ?? 0) + 1);
      }
      const last = Math.max(...got.keys(), ...fired.keys());
      for (let second = Math.min(0, ...fired.keys()); second <= last; second++) {
        log(`t+${second}s fired ${fired.get(second) ?? 0} received ${got.get(second) ?? 0}`);
      }
    }
    return {
      target,
      storage: opts.storage,
      schedules: opts.schedules,
      users: opts.users,
      windowSeconds: opts.window,
      delivered: deliveries.size,
      missing: opts.schedules - deliveries.size,
      executionsDeliveredMoreThanOnce: doubled,
      requests: received,
      receiverConnections: sockets,
      receiverPeakConcurrency: peakInFlight,
      latenessMs: summarise(lateness),
      // Where the time goes: the alarm's claim (firedAt) after scheduledTime, then Queue + webhook.
      alarmClaimMs: summarise(firstAttempts.map((d) => d.firedAt - d.scheduledTime)),
      queueAndDeliveryMs: summarise(firstAttempts.map((d) => d.receivedAt - d.firedAt)),
      earlyMs: round(Math.min(...lateness), 0),
      apiDuringWindowMs: bare ? null : { d1Read: summarise(probes.tenant), health: summarise(probes.health) },
    };
  } finally {
    if (opts.serverLog) (await import("node:fs")).writeFileSync(opts.serverLog, server.output());
    await server.stop();
    if (dir) cleanup(dir);
  }
}

const targets = opts.target === "both" ? ["bare", "ours"] : [opts.target];
const results = {};
try {
  for (const target of targets) {
    results[target] = await measure(target);
    log(
      `[${target}] lateness ${JSON.stringify(results[target].latenessMs)}, missing ${results[target].missing}`,
    );
  }
} finally {
  receiver.close();
}
const ratio = (k) =>
  results.ours && results.bare
    ? round(results.ours.latenessMs[k] / Math.max(1, results.bare.latenessMs[k]), 2)
    : null;
console.log(
  JSON.stringify({
    bench: "firing-lateness",
    ...results,
    oursOverBare: { p50: ratio("p50"), p99: ratio("p99") },
  }),
);
