#!/usr/bin/env node
// npm start [-- --port 8787 --persist-to DIR ...]: prepare .dev.vars, apply local D1 migrations,
// run `wrangler dev` on the embedded runtime, fire Cron Triggers on their schedule, print a key recipe.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
// Run wrangler's entry with this very Node (22 from the node@22 devDependency under npm scripts),
// whatever `node` the PATH would find: wrangler refuses Node 20.
const wranglerEntry = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(option("--port") ?? 8787);
const persistTo = option("--persist-to");

function ensureDevVars() {
  const examplePath = path.join(root, ".dev.vars.example");
  const varsPath = path.join(root, ".dev.vars");
  const parse = (text) =>
    Object.fromEntries(
      text
        .split("\n")
        .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
  const example = parse(readFileSync(examplePath, "utf8"));
  const current = existsSync(varsPath) ? parse(readFileSync(varsPath, "utf8")) : {};
  const generated = {
    ADMIN_TOKEN: () => `adm_${randomBytes(24).toString("base64url")}`,
    ENCRYPTION_KEYS: () => `k1:${randomBytes(32).toString("base64")}`,
  };
  const added = [];
  for (const [name, value] of Object.entries(example)) {
    if (name in current) continue;
    current[name] =
      value === "generate" ? (generated[name]?.() ?? randomBytes(24).toString("base64url")) : value;
    added.push(name);
  }
  if (added.length > 0 || !existsSync(varsPath)) {
    const body = Object.entries(current)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n");
    writeFileSync(
      varsPath,
      `# Local secrets (git-ignored). Made by npm start from .dev.vars.example.\n${body}\n`,
    );
    console.log(`[start] .dev.vars: added ${added.join(", ") || "nothing"}`);
  }
  return current;
}

const vars = ensureDevVars();
const persistArgs = persistTo ? ["--persist-to", persistTo] : [];

console.log("[start] applying D1 migrations to the local database");
const migrate = spawnSync(
  process.execPath,
  [wranglerEntry, "d1", "migrations", "apply", "DB", "--local", ...persistArgs],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const devArgs = ["dev", "--local", "--test-scheduled", "--ip", "127.0.0.1", ...args];
if (!args.includes("--port")) devArgs.push("--port", String(port));
console.log(`[start] wrangler ${devArgs.join(" ")}`);
const dev = spawn(process.execPath, [wranglerEntry, ...devArgs], {
  cwd: root,
  stdio: ["inherit", "inherit", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});

const base = `http://127.0.0.1:${port}`;
let ticker;

async function waitUntilHealthy() {
  for (let i = 0; i < 600; i++) {
    try {
      const response = await fetch(`${base}/health`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

// wrangler dev does not fire Cron Triggers by itself; --test-scheduled exposes /__scheduled, and this
// ticker calls it at the start of every minute, as the deployed "* * * * *" trigger would fire.
function startCronTicker() {
  const tick = async () => {
    try {
      await fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    } catch (error) {
      console.error(`[cron] tick failed: ${error.message}`);
    }
  };
  const scheduleNext = () => {
    ticker = setTimeout(
      () => {
        tick();
        scheduleNext();
      },
      60_000 - (Date.now() % 60_000),
    );
  };
  scheduleNext();
}

waitUntilHealthy().then((healthy) => {
  if (!healthy) {
    console.error("[start] the dev server did not become healthy");
    return;
  }
  startCronTicker();
  console.log(`
[start] the scheduler is up at ${base}  (API reference: ${base}/docs)
[start] create a tenant and get its API key:

  curl -s -X POST ${base}/v1/admin/tenants \\
    -H 'Authorization: Bearer ${vars.ADMIN_TOKEN}' -H 'Content-Type: application/json' \\
    -d '{"name":"Acme","webhookUrl":"http://127.0.0.1:8788/hooks","defaultTimezone":"Europe/Berlin"}'

[start] run "npm run receiver" in another terminal to see deliveries arrive (port 8788).
`);
});

const stop = (signal) => {
  clearTimeout(ticker);
  dev.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
dev.on("exit", (code) => {
  clearTimeout(ticker);
  process.exit(code ?? 0);
});
