// Shared benchmark plumbing: start the service the way `npm start` does, drive load, summarise.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..", "..");
/** Node 22 from the node@22 devDependency, and wrangler's JS entry to run with it. */
export const nodeBin = path.join(root, "node_modules", ".bin", "node");
export const wranglerEntry = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");

export function parseArgs(defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)$/.exec(argv[i]);
    if (!m) continue;
    const key = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) out[key] = true;
    else {
      out[key] = Number.isNaN(Number(next)) ? next : Number(next);
      i++;
    }
  }
  return out;
}

export function log(message) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** A fresh state folder: under /dev/shm (tmpfs) or on the default disk. */
export function stateDir(storage) {
  const base = storage === "tmpfs" ? "/dev/shm" : os.tmpdir();
  return mkdtempSync(path.join(base, "nsched-bench-"));
}

async function waitForHealth(base, child, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("server did not become healthy");
}

/**
 * Start a server and wait for /health. `command` defaults to `node scripts/start.mjs` (npm start:
 * migrations, .dev.vars, wrangler dev) with the given state folder, port and `vars` overrides.
 */
export async function startServer({ port, persistTo, command, args, vars = [], cwd = root }) {
  const child = spawn(
    command ?? nodeBin,
    args ?? [
      path.join(root, "scripts", "start.mjs"),
      "--port",
      String(port),
      "--persist-to",
      persistTo,
      // NAME:VALUE overrides of wrangler.toml's [vars] (wrangler dev --var).
      ...vars.flatMap((v) => ["--var", v]),
    ],
    {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      detached: true,
    },
  );
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const base = `http://127.0.0.1:${port}`;
  // The server runs in its own process group (wrangler and its workerd children): stop them all.
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    signalGroup("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    signalGroup("SIGKILL");
  };
  process.once("exit", () => signalGroup("SIGKILL"));
  try {
    await waitForHealth(base, child);
  } catch (error) {
    process.stderr.write(output);
    await stop();
    throw error;
  }
  return { base, output: () => output, stop };
}

export function adminToken() {
  const vars = readFileSync(path.join(root, ".dev.vars"), "utf8");
  return /^ADMIN_TOKEN=(.*)$/m.exec(vars)[1];
}

/**
 * The benchmarks measure the service, not the tenant's API budget: their tenant gets the highest one
 * (10,000 requests per second), so the limiter's leases are on the measured path but never refuse.
 */
const BENCH_RATE_LIMIT = { requestsPerSecond: 10_000, burst: 20_000 };

export async function createTenant(base, webhookUrl) {
  const response = await fetch(`${base}/v1/admin/tenants`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken()}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", webhookUrl, rateLimit: BENCH_RATE_LIMIT }),
  });
  if (response.status !== 201)
    throw new Error(`tenant creation: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Run `total` calls of `fn(i)` with `concurrency` in flight; returns per-call latencies (ms) and wall time. */
export async function runPool(total, concurrency, fn, progressLabel) {
  const latencies = new Array(total);
  let next = 0;
  let done = 0;
  const started = performance.now();
  let lastReport = started;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await fn(i);
      latencies[i] = performance.now() - t0;
      done++;
      if (progressLabel && performance.now() - lastReport > 2000) {
        lastReport = performance.now();
        log(`${progressLabel}: ${done}/${total}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { latencies, wallMs: performance.now() - started };
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export function summarise(latencies) {
  return {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(...latencies)),
  };
}

export function round(n, digits = 1) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Start the bare prototype (bench/bare-prototype) under `wrangler dev --local`, like our server. */
export function startBare({ port, persistTo }) {
  return startServer({
    port,
    command: nodeBin,
    args: [
      wranglerEntry,
      "dev",
      "--local",
      "-c",
      path.join(root, "bench/bare-prototype/wrangler.toml"),
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      persistTo,
    ],
  });
}
