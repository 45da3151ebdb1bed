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
  recipients: 100_000,
  bare: 20_000,
  storage: "tmpfs",
  port: 8941,
  sample: 200,
  probeEveryMs: 50,
});

/** New objects per second on the bare prototype: one RPC + insert + alarm per new user, 64 in flight. */
async function bareRate() {
  const dir = stateDir(opts.storage);
  const server = await startBare({ port: opts.port + 1, persistTo: dir });
  try {
    const due = new Date(Date.now() + 86_400_000).toISOString();
    const send = async (i) => {
      const response = await fetch(`${server.base}/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: `bare-${i}`, notificationId: "bench", scheduledTime: due }),
      });
      await response.arrayBuffer();
    };
    await runPool(200, 16, (i) => send(1e9 + i));
    const { wallMs } = await runPool(opts.bare, 64, send, "bare creates");
    return round((opts.bare / wallMs) * 1000, 0);
  } finally {
    await server.stop();
    cleanup(dir);
  }
}

async function json(base, key, method, pathName, body) {
  const response = await fetch(`${base}${pathName}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function ours() {
  const dir = stateDir(opts.storage);
  const server = await startServer({ port: opts.port, persistTo: dir });
  try {
    const tenant = await createTenant(server.base, "http://127.0.0.1:9/unused");
    const key = tenant.apiKey;
    const userIds = Array.from({ length: opts.recipients }, (_, i) => `r-${i}`);
    const created = await json(server.base, key, "POST", "/v1/campaigns", {
      name: "fan-out bench",
      timezone: "Europe/Berlin",
      startDate: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      audience: { userIds },
      phases: [{ name: "announce", notificationTemplate: { notificationId: "sale", payload: { pct: 20 } } }],
      rules: { localTime: "09:00" },
    });
    if (created.status !== 201)
      throw new Error(`campaign: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id;
    log(`campaign ${id} with ${opts.recipients} recipients created; scheduling`);

    // The API meanwhile: a create for another user and a read of it, every 50 ms. The same probe
    // first runs 5 s on the idle server, as the reference.
    const idle = { latencies: [], failures: 0, stop: false };
    const idleRun = runProbe(idle);
    await new Promise((r) => setTimeout(r, 5000));
    idle.stop = true;
    await idleRun;
    const probe = { latencies: [], failures: 0, stop: false };
    const probing = runProbe(probe);
    async function runProbe(probe) {
      let i = 0;
      while (!probe.stop) {
        const t0 = performance.now();
        const made = await json(server.base, key, "POST", "/v1/schedules", {
          userId: `probe-${i % 50}`,
          notificationId: "probe",
          scheduledTime: new Date(Date.now() + 86_400_000).toISOString(),
        });
        probe.latencies.push(performance.now() - t0);
        if (made.status !== 201) probe.failures++;
        else {
          const t1 = performance.now();
          const read = await json(server.base, key, "GET", `/v1/schedules/${made.body.id}`);
          probe.latencies.push(performance.now() - t1);
          if (read.status !== 200) probe.failures++;
        }
        i++;
        await new Promise((r) => setTimeout(r, opts.probeEveryMs));
      }
    }

    const t0 = performance.now();
    const scheduled = await json(server.base, key, "POST", `/v1/campaigns/${id}/schedule`);
    const answerMs = performance.now() - t0;
    if (scheduled.status !== 200) throw new Error(`schedule: ${scheduled.status}`);
    let progress;
    for (;;) {
      progress = (await json(server.base, key, "GET", `/v1/campaigns/${id}/progress`)).body;
      const f = progress.fanOut;
      if (f.chunksDone >= f.chunks) break;
      log(
        `fan-out: ${f.recipientsProcessed}/${opts.recipients} recipients (${f.chunksDone}/${f.chunks} chunks)`,
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
    const fanOutMs = performance.now() - t0;
    probe.stop = true;
    await probing;

    // Read a sample of recipients back from their own objects.
    let found = 0;
    await runPool(opts.sample, 16, async (i) => {
      const userId = userIds[Math.floor((i * opts.recipients) / opts.sample)];
      const list = await json(server.base, key, "GET", `/v1/users/${userId}/schedules`);
      if (list.body?.data?.length === 1 && list.body.data[0].status === "pending") found++;
    });
    // The index catches up within moments of the last chunk.
    let indexed = progress.scheduled;
    for (let i = 0; i < 30 && indexed < opts.recipients; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      indexed = (await json(server.base, key, "GET", `/v1/campaigns/${id}/progress`)).body.scheduled;
    }
    return {
      scheduleAnswerMs: round(answerMs),
      fanOutSeconds: round(fanOutMs / 1000),
      recipientsPerSecond: round((opts.recipients / fanOutMs) * 1000, 0),
      refused: progress.fanOut.refused,
      sampleFoundPending: `${found}/${opts.sample}`,
      indexed,
      apiIdle: { requests: idle.latencies.length, failures: idle.failures, ...summarise(idle.latencies) },
      apiDuringFanOut: {
        requests: probe.latencies.length,
        failures: probe.failures,
        ...summarise(probe.latencies),
      },
    };
  } finally {
    await server.stop();
    cleanup(dir);
  }
}

log(`campaign-fanout: recipients=${opts.recipients} bare=${opts.bare} storage=${opts.storage}`);
const bare = opts.skipBare ? null : await bareRate();
if (bare) log(`bare prototype: ${bare} new objects/s`);
const result = await ours();
console.log(
  JSON.stringify({
    bench: "campaign-fanout",
    storage: opts.storage,
    recipients: opts.recipients,
    ...result,
    bareNewObjectsPerSecond: bare,
    ratioToBare: bare ? round(result.recipientsPerSecond / bare, 2) : null,
  }),
);
