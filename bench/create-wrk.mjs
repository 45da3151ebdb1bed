#!/usr/bin/env node
// Create throughput measured with wrk (a C load generator, Debian's package) against the runtime's
// own socket (workerd's entry port, not wrangler's proxy in front of it), ours beside the bare
// prototype in the same run, for one user and for many users; then one bulk request of 10,000.
// Prints wrk's own CPU share, so a saturated load generator shows.
//   node bench/create-wrk.mjs [--storage tmpfs|disk] [--users 1,2000] [--duration 20]
//        [--connections 64] [--threads 1] [--bulk 10000] [--bulk-runs 3] [--port 8921]
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  cleanup,
  createTenant,
  log,
  parseArgs,
  round,
  startBare,
  startServer,
  stateDir,
} from "./lib/common.mjs";

const opts = parseArgs({
  storage: "tmpfs",
  users: "1,2000",
  duration: 20,
  warmup: 3,
  connections: 64,
  threads: 1,
  bulk: 10_000,
  bulkRuns: 3,
  port: 8921,
});

function ensureWrk() {
  if (spawnSync("wrk", ["--version"]).error === undefined) return;
  log("installing wrk (apt-get)");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
  execFileSync("apt-get", ["install", "-y", "-qq", "wrk"], { stdio: "ignore" });
}

/** The runtime's entry socket: the workerd listener that answers `probe` as the Worker does. */
async function runtimeSocket(proxyPort, probe, expect) {
  const listeners = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes('"workerd"'))
    .map((l) => Number(/127\.0\.0\.1:(\d+)/.exec(l)?.[1]))
    .filter((p) => p && p !== proxyPort);
  for (const port of listeners) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${probe}`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200 && expect(await response.text())) return `http://127.0.0.1:${port}`;
    } catch {
      // not this one
    }
  }
  throw new Error("the runtime's entry socket was not found");
}

const script = path.join(os.tmpdir(), "nsched-create.lua");
writeFileSync(
  script,
  `-- One POST per request; request i of thread t names user (t * 1e6 + i) mod users.
local counter, users, body_of, headers = 0, 1, nil, {}
function init(args)
  users = tonumber(args[1])
  local due, token = args[2], args[3]
  headers["content-type"] = "application/json"
  if token ~= "" then headers["authorization"] = "Bearer " .. token end
  counter = math.random(1, 1000000)
  body_of = function(user)
    return '{"userId":"wrk-' .. user .. '","notificationId":"bench","scheduledTime":"' .. due .. '"}'
  end
end
function request()
  counter = counter + 1
  return wrk.format("POST", nil, headers, body_of(counter % users))
end
`,
);

/** wrk run; its CPU share from bash's time (user + sys over wall). */
function runWrk(url, seconds, users, token) {
  const due = new Date(Date.now() + 3600_000).toISOString();
  const command = `TIMEFORMAT='%U %S %R'; time wrk -t${opts.threads} -c${opts.connections} -d${seconds}s --latency -s ${script} ${url} -- ${users} ${due} '${token}'`;
  const run = spawnSync("bash", ["-c", command], { encoding: "utf8" });
  const out = run.stdout;
  const [user, sys, real] = run.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  const ms = (label) => {
    const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return null;
    return round(Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]], 1);
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? null;
  return {
    perSecond: round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0), 0),
    requests,
    non2xx,
    socketErrors: errors,
    p50Ms: ms("50%"),
    p99Ms: ms("99%"),
    wrkCpuPercent: round(((user + sys) / real) * 100, 0),
  };
}

async function measure(target, users) {
  const dir = stateDir(opts.storage);
  const server =
    target === "bare"
      ? await startBare({ port: opts.port, persistTo: dir })
      : await startServer({ port: opts.port, persistTo: dir });
  try {
    const socket =
      target === "bare"
        ? await runtimeSocket(opts.port, "/", (t) => t === "ok")
        : await runtimeSocket(opts.port, "/health", (t) => t.includes('"status"'));
    const tenant = target === "ours" ? await createTenant(server.base, "http://127.0.0.1:9/unused") : null;
    const url = target === "ours" ? `${socket}/v1/schedules` : `${socket}/`;
    const token = tenant?.apiKey ?? "";
    runWrk(url, opts.warmup, users, token);
    const result = runWrk(url, opts.duration, users, token);
    log(`[${target}] ${users} user(s): ${JSON.stringify(result)}`);
    let bulkMs = null;
    if (users === 1 && opts.bulk > 0) {
      bulkMs = [];
      for (let run = 0; run < opts.bulkRuns; run++) {
        const due = new Date(Date.now() + 3600_000).toISOString();
        const schedules = Array.from({ length: opts.bulk }, (_, i) => ({
          userId: `bulk-${run}`,
          notificationId: `n${i}`,
          scheduledTime: due,
        }));
        const t0 = performance.now();
        const response = await fetchOrNull(
          target === "ours" ? `${socket}/v1/schedules/bulk` : `${socket}/bulk`,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body: JSON.stringify({ schedules }),
          },
        );
        const answer = response ? await response.json() : null;
        if (answer?.created !== opts.bulk) {
          log(`[${target}] bulk failed: ${JSON.stringify(answer)?.slice(0, 200) ?? "connection error"}`);
          bulkMs = null;
          break;
        }
        bulkMs.push(round(performance.now() - t0, 0));
      }
      if (bulkMs) log(`[${target}] bulk of ${opts.bulk}: ${bulkMs.join(", ")} ms`);
    }
    return { ...result, bulkMs };
  } finally {
    await server.stop();
    cleanup(dir);
  }
}

/** A fetch whose connection error is a null answer (the bare prototype may drop a large body). */
const fetchOrNull = (url, init) => fetch(url, init).catch(() => null);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

ensureWrk();
const userCounts = String(opts.users).split(",").map(Number);
const results = [];
for (const users of userCounts) {
  const bare = await measure("bare", users);
  const ours = await measure("ours", users);
  results.push({
    users,
    bare,
    ours,
    ratio: round(ours.perSecond / bare.perSecond, 2),
    bulkMedianMs: ours.bulkMs
      ? { ours: median(ours.bulkMs), bare: bare.bulkMs ? median(bare.bulkMs) : null }
      : null,
  });
}
console.log(
  JSON.stringify({
    bench: "create-wrk",
    storage: opts.storage,
    connections: opts.connections,
    threads: opts.threads,
    seconds: opts.duration,
    results,
  }),
);
process.exit(0);
