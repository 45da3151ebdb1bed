// Recurring patterns (time issue): preview latency, and one Cron Trigger run generating the next
// 24 h for 100,000 daily patterns across 10,000 users, with the API's latency measured meanwhile.
//   node bench/recurring.mjs [--patterns 100000] [--users 10000] [--previews 200] [--storage tmpfs|disk]
// The patterns are written straight into the local D1 file while the server is stopped (creating
// them through the API would generate each one inline, which is not what is measured here), with
// payloads sealed exactly as the service seals them. Progress is read from the same file.
import { webcrypto } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  cleanup,
  createTenant,
  log,
  parseArgs,
  root,
  round,
  runPool,
  startServer,
  stateDir,
  summarise,
} from "./lib/common.mjs";

const opts = parseArgs({ patterns: 100_000, users: 10_000, previews: 200, storage: "tmpfs", port: 8931 });
const HOUR = 3_600_000;
const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo"];

function d1File(dir) {
  const folder = path.join(dir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(folder).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  return path.join(folder, file);
}

/** AES-256-GCM as src/lib/crypto/encryption.ts writes it: enc:v1:<kid>:<iv>:<ciphertext>, AAD bound. */
async function sealer() {
  const spec = /^ENCRYPTION_KEYS=(.*)$/m.exec(readFileSync(path.join(root, ".dev.vars"), "utf8"))[1];
  const [kid, b64] = spec.split(",")[0].split(":");
  const key = await webcrypto.subtle.importKey("raw", Buffer.from(b64, "base64"), "AES-GCM", false, [
    "encrypt",
  ]);
  return async (plaintext, context) => {
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const sealed = await webcrypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
      key,
      new TextEncoder().encode(plaintext),
    );
    return `enc:v1:${kid}:${Buffer.from(iv).toString("base64")}:${Buffer.from(sealed).toString("base64")}`;
  };
}

async function previewLatency(base, apiKey) {
  const out = {};
  for (const [name, cronExpression] of [
    ["every minute", "* * * * *"],
    ["daily", "0 9 * * *"],
  ]) {
    const body = JSON.stringify({
      cronExpression,
      timezone: "Europe/Berlin",
      startDate: "2027-03-20T00:00:00",
      count: 1000,
    });
    const { latencies } = await runPool(opts.previews, 1, async () => {
      const res = await fetch(`${base}/v1/recurring/preview`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body,
      });
      const json = await res.json();
      if (json.occurrences?.length !== 1000)
        throw new Error(`preview: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
    });
    out[name] = summarise(latencies.slice(10)); // the first calls warm the isolate
    log(`preview ${name}: ${JSON.stringify(out[name])}`);
  }
  return out;
}

async function insertPatterns(file, tenantId, now) {
  const seal = await sealer();
  const db = new DatabaseSync(file);
  const insert = db.prepare(
    `INSERT INTO recurring_patterns (id, tenant_id, name, description, rule, target, notification_id, payload,
       priority, status, version, generated_until, occurrences_generated, last_generated_at, claimed_at, created_at, updated_at)
     VALUES (?, ?, ?, NULL, ?, ?, 'daily-digest', ?, 2, 'active', 1, ?, 0, NULL, NULL, ?, ?)`,
  );
  const perUser = Math.ceil(opts.patterns / opts.users);
  db.exec("BEGIN");
  for (let i = 0; i < opts.patterns; i++) {
    const id = `rpt_bench${String(i).padStart(12, "0")}`;
    const user = `u${i % opts.users}`;
    const rule = {
      cronExpression: `${(i * 7) % 60} ${Math.floor(i / opts.users) % 24} * * *`,
      timezone: ZONES[i % ZONES.length],
      startDate: "2026-01-01T00:00:00",
    };
    const payload = await seal(JSON.stringify({ digest: i % perUser }), `${id}:payload`);
    insert.run(
      id,
      tenantId,
      `daily ${i}`,
      JSON.stringify(rule),
      JSON.stringify({ userId: user }),
      payload,
      now - 1,
      now,
      now,
    );
    if (i % 20_000 === 19_999) log(`inserted ${i + 1}/${opts.patterns}`);
  }
  db.exec("COMMIT");
  db.close();
}

const dir = stateDir(opts.storage);
let server;
try {
  server = await startServer({ port: opts.port, persistTo: dir });
  const tenant = await createTenant(server.base, "http://127.0.0.1:9/never");
  const preview = await previewLatency(server.base, tenant.apiKey);
  await server.stop();

  const now = Date.now();
  log(`writing ${opts.patterns} daily patterns for ${opts.users} users into local D1`);
  const file = d1File(dir);
  await insertPatterns(file, tenant.tenant.id, now);
  server = await startServer({ port: opts.port, persistTo: dir });

  const reader = new DatabaseSync(file, { readOnly: true });
  const countDone = reader.prepare("SELECT COUNT(*) AS n FROM recurring_patterns WHERE generated_until >= ?");
  const threshold = now + 12 * HOUR;
  const apiLatencies = [];
  let stop = false;
  const prober = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await fetch(`${server.base}/v1/tenant`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
      apiLatencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const started = performance.now();
  log("firing the Cron Trigger once (/__scheduled)");
  const trigger = await fetch(`${server.base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
  const triggerMs = performance.now() - started;
  let done = 0;
  while (done < opts.patterns && performance.now() - started < 30 * 60_000) {
    await new Promise((r) => setTimeout(r, 2000));
    done = countDone.get(threshold).n;
    log(`generated ${done}/${opts.patterns} patterns (${round((performance.now() - started) / 1000)} s)`);
  }
  const wallSeconds = round((performance.now() - started) / 1000);
  stop = true;
  await prober;
  const schedules = reader.prepare("SELECT SUM(occurrences_generated) AS n FROM recurring_patterns").get().n;
  console.log(
    JSON.stringify({
      bench: "recurring",
      storage: opts.storage,
      previewMs: preview,
      patterns: opts.patterns,
      users: opts.users,
      triggerStatus: trigger.status,
      triggerMs: round(triggerMs),
      generated: done,
      schedulesCreated: schedules,
      generationWallSeconds: wallSeconds,
      patternsPerSecond: round(done / wallSeconds),
      apiLatencyDuringGenerationMs: summarise(apiLatencies),
    }),
  );
  reader.close();
} finally {
  await server?.stop();
  cleanup(dir);
}
