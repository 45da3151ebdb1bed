#!/usr/bin/env node
// Every foundation benchmark on tmpfs and on disk, then a markdown table for the README.
//   npm run bench            (both storages, ~10 minutes on 2 cores)
//   npm run bench -- --storage tmpfs
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { log, nodeBin, parseArgs, root } from "./lib/common.mjs";

const opts = parseArgs({ storage: "both" });
const storages = opts.storage === "both" ? ["tmpfs", "disk"] : [opts.storage];
const runs = [];
for (const storage of storages) {
  runs.push(
    ["create-throughput.mjs", "--target", "ours", "--users", "1", "--requests", "5000", "--storage", storage],
    ["create-throughput.mjs", "--target", "bare", "--users", "1", "--requests", "5000", "--storage", storage],
    [
      "create-throughput.mjs",
      "--target",
      "ours",
      "--users",
      "10000",
      "--requests",
      "10000",
      "--storage",
      storage,
    ],
    [
      "create-throughput.mjs",
      "--target",
      "bare",
      "--users",
      "10000",
      "--requests",
      "10000",
      "--storage",
      storage,
    ],
    ["bulk.mjs", "--storage", storage],
    ["firing-lateness.mjs", "--storage", storage, "--warmup"],
  );
}
// The same 10,000 spread over 30 s (333/s): the rate the local pipeline sustains within a second.
runs.push(["firing-lateness.mjs", "--storage", storages[0], "--warmup", "--window", "30"]);

const results = [];
for (const [script, ...args] of runs) {
  log(`▶ ${script} ${args.join(" ")}`);
  const run = spawnSync(nodeBin, [path.join(import.meta.dirname, script), ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  });
  const line = run.stdout.trim().split("\n").at(-1);
  try {
    results.push(JSON.parse(line));
  } catch {
    log(`✗ ${script} produced no result (exit ${run.status})`);
  }
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
mkdirSync(path.join(root, "bench", "results"), { recursive: true });
writeFileSync(
  path.join(root, "bench", "results", "latest.json"),
  JSON.stringify({ machine, at: new Date().toISOString(), results }, null, 2),
);

const find = (pred) => results.find(pred);
const rows = [];
for (const storage of storages) {
  const c = (target, users) =>
    find(
      (r) =>
        r.bench === "create-throughput" && r.storage === storage && r.target === target && r.users === users,
    );
  for (const users of [1, 10000]) {
    const ours = c("ours", users);
    const bare = c("bare", users);
    if (ours && bare) {
      rows.push(
        `| (a) create, ${users === 1 ? "1 user" : "10,000 new users"}, 64 in flight | ${storage} | ${ours.perSecond}/s (p50 ${ours.latencyMs.p50} ms, p99 ${ours.latencyMs.p99} ms) | bare prototype ${bare.perSecond}/s → ${(ours.perSecond / bare.perSecond).toFixed(2)}× |`,
      );
    }
  }
  const b = find((r) => r.bench === "bulk-create" && r.storage === storage);
  if (b)
    rows.push(
      `| (b) one bulk request of ${b.items.toLocaleString("en")} for one user | ${storage} | median ${b.medianMs} ms, max ${b.maxMs} ms (runs: ${b.runs.join(", ")}) | |`,
    );
  for (const f of results.filter((r) => r.bench === "firing-lateness" && r.storage === storage)) {
    rows.push(
      `| (c) lateness at the receiver, ${f.schedules.toLocaleString("en")} due in ${f.windowSeconds} s over ${f.users.toLocaleString("en")} users | ${storage} | p50 ${f.latenessMs.p50} ms, p99 ${f.latenessMs.p99} ms, max ${f.latenessMs.max} ms | alarm claim p99 ${f.alarmClaimMs.p99} ms; Queue + webhook p99 ${f.queueAndDeliveryMs.p99} ms; ${f.delivered} delivered, ${f.missing} missing, ${f.executionsDeliveredMoreThanOnce} doubled |`,
    );
  }
}
console.log(
  `Machine: ${machine}\n\n| what | state | result | notes |\n|---|---|---|---|\n${rows.join("\n")}`,
);
