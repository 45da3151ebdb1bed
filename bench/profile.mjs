#!/usr/bin/env node
// CPU profile of the Worker (and its Durable Objects) under `wrangler dev`, through the inspector
// wrangler exposes (127.0.0.1:9229 by default): samples for --seconds, then prints the functions
// with the most self time and the files they are in. Start the server and the load, then this:
//   node bench/profile.mjs [--seconds 20] [--inspector 9229] [--top 40] [--out profile.cpuprofile]
import { writeFileSync } from "node:fs";
import { log, parseArgs } from "./lib/common.mjs";

const opts = parseArgs({ seconds: 5, intervalUs: 2000, inspector: 9229, top: 40, out: "" });

// wrangler's inspector proxy accepts DevTools' origin only.
const socket = new WebSocket(`ws://127.0.0.1:${opts.inspector}/ws`, {
  headers: { Origin: "https://devtools.devprod.cloudflare.dev" },
});
await new Promise((resolve, reject) => {
  socket.onopen = resolve;
  socket.onerror = reject;
});
let nextId = 1;
const waiting = new Map();
socket.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.id && waiting.has(message.id)) {
    waiting.get(message.id)(message.result);
    waiting.delete(message.id);
  }
};
const send = (method, params = {}) =>
  new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    socket.send(JSON.stringify({ id, method, params }));
  });

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: opts.intervalUs });
await send("Profiler.start");
log(`profiling for ${opts.seconds} s`);
await new Promise((r) => setTimeout(r, opts.seconds * 1000));
const { profile } = await send("Profiler.stop");
socket.close();
if (opts.out) writeFileSync(opts.out, JSON.stringify(profile));

// Self time per node = its share of samples; summed by function and by file.
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = profile.samples.length;
const byFunction = new Map();
const byFile = new Map();
for (const node of profile.nodes) {
  const n = counts.get(node.id) ?? 0;
  if (n === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? url.replace(/^.*\/(src|node_modules)\//, "$1/") : "(native)";
  const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + n);
  byFile.set(file, (byFile.get(file) ?? 0) + n);
}
const show = (map, title) => {
  console.log(`\n${title} (self time, % of ${total} samples)`);
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, opts.top)) {
    console.log(`${((n / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
};
show(byFunction, "functions");
show(byFile, "files");
process.exit(0);
