#!/usr/bin/env node
// Fault benchmark: N schedules due within a W-second window to a receiver that answers 500 to 20 %
// of requests at random and delays 5 % by 3 s; the dev server is killed mid-run and started again on
// the same state. Reports exactly-once delivery after de-duplication by webhook-id, duplicates before
// it, first-attempt lateness, time until every schedule is completed or failed, and what is missing.
//   node bench/fault.mjs [--schedules 10000] [--users 1000] [--window 30] [--fail-rate 0.2]
//        [--slow-rate 0.05] [--slow-ms 3000] [--restart-at 15] [--storage tmpfs|disk] [--deadline 400]
import { createServer } from "node:http";
import {
  cleanup,
  createTenant,
  log,
  parseArgs,
  round,
  startServer,
  stateDir,
  summarise,
} from "./lib/common.mjs";

const opts = parseArgs({
  schedules: 10000,
  users: 1000,
  window: 30,
  lead: 45,
  failRate: 0.2,
  slowRate: 0.05,
  slowMs: 3000,
  restartAt: 15,
  storage: "tmpfs",
  port: 8915,
  receiverPort: 8916,
  deadline: 400,
});

const bySchedule = new Map(); // scheduleId → { executionIds:Set, successes, firstAttemptAt, scheduledTime }
let requests = 0;
const receiver = createServer((request, response) => {
  const chunks = [];
  request.on("data", (c) => chunks.push(c));
  request.on("end", async () => {
    const receivedAt = Date.now();
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    requests++;
    const entry = bySchedule.get(body.scheduleId) ?? {
      executionIds: new Set(),
      successes: 0,
      firstAttemptAt: null,
      scheduledTime: Date.parse(body.scheduledTime),
    };
    bySchedule.set(body.scheduleId, entry);
    entry.executionIds.add(request.headers["webhook-id"]);
    if (body.attempt === 1 && entry.firstAttemptAt === null) entry.firstAttemptAt = receivedAt;
    const roll = Math.random();
    if (roll < opts.failRate) return response.writeHead(500).end("induced failure");
    if (roll < opts.failRate + opts.slowRate) await new Promise((r) => setTimeout(r, opts.slowMs));
    entry.successes++;
    response.writeHead(200).end("ok");
  });
});
await new Promise((r) => receiver.listen(opts.receiverPort, "127.0.0.1", r));

const dir = stateDir(opts.storage);
log(
  `fault: ${opts.schedules} schedules / ${opts.users} users / ${opts.window}s window; receiver fails ${opts.failRate * 100}% and delays ${opts.slowRate * 100}% by ${opts.slowMs} ms; restart at window+${opts.restartAt}s (${dir})`,
);
let server = await startServer({ port: opts.port, persistTo: dir });
try {
  const tenant = await createTenant(server.base, `http://127.0.0.1:${opts.receiverPort}/hooks`);
  const auth = { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" };
  const windowStart = Date.now() + opts.lead * 1000;
  const retryConfig = { maxRetries: 5, backoff: "exponential", initialDelaySeconds: 1, maxDelaySeconds: 10 };
  for (let i = 0; i < opts.schedules; i += 1000) {
    const schedules = Array.from({ length: Math.min(1000, opts.schedules - i) }, (_, k) => {
      const n = i + k;
      return {
        userId: `fault-user-${n % opts.users}`,
        notificationId: "fault",
        scheduledTime: new Date(
          windowStart + Math.floor((n / opts.schedules) * opts.window * 1000),
        ).toISOString(),
        retryConfig,
      };
    });
    const answer = await (
      await fetch(`${server.base}/v1/schedules/bulk`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ schedules }),
      })
    ).json();
    if (answer.created !== schedules.length) throw new Error(`bulk: ${JSON.stringify(answer).slice(0, 200)}`);
  }
  log(`created; window opens in ${windowStart - Date.now()} ms`);

  await new Promise((r) => setTimeout(r, Math.max(0, windowStart + opts.restartAt * 1000 - Date.now())));
  log(`killing the dev server mid-run (${bySchedule.size} schedules reached the receiver so far)`);
  const downAt = Date.now();
  await server.stop();
  server = await startServer({ port: opts.port, persistTo: dir });
  log(`restarted on the same state after ${Date.now() - downAt} ms`);

  const failureReasons = new Map();
  const countFailed = async () => {
    let failed = 0;
    let cursor = null;
    failureReasons.clear();
    do {
      const page = await (
        await fetch(`${server.base}/v1/dead-letters?limit=500${cursor ? `&cursor=${cursor}` : ""}`, {
          headers: auth,
        })
      ).json();
      failed += page.data.length;
      for (const letter of page.data) {
        const reason = letter.reason.replace(/\d+ ms/, "N ms");
        failureReasons.set(reason, (failureReasons.get(reason) ?? 0) + 1);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return failed;
  };
  const settled = () => [...bySchedule.values()].filter((e) => e.successes > 0).length;
  let failed = 0;
  let doneAt = null;
  const deadline = windowStart + opts.deadline * 1000;
  while (Date.now() < deadline) {
    failed = await countFailed();
    const delivered = settled();
    if (delivered + failed >= opts.schedules) {
      doneAt = Date.now();
      break;
    }
    log(`delivered ${delivered}, failed ${failed}, of ${opts.schedules} (${requests} requests)`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const entries = [...bySchedule.values()];
  const delivered = entries.filter((e) => e.successes > 0).length;
  const extraSuccesses = entries.reduce((n, e) => n + Math.max(0, e.successes - 1), 0);
  const firstAttempts = entries
    .filter((e) => e.firstAttemptAt !== null)
    .map((e) => e.firstAttemptAt - e.scheduledTime);
  console.log(
    JSON.stringify({
      bench: "fault",
      storage: opts.storage,
      schedules: opts.schedules,
      windowSeconds: opts.window,
      failRate: opts.failRate,
      slowRate: opts.slowRate,
      restartedAtSecond: opts.restartAt,
      delivered,
      failedIntoDeadLetters: failed,
      failureReasons: Object.fromEntries(failureReasons),
      missing: opts.schedules - delivered - failed,
      exactlyOnceAfterDedupPercent: round((delivered / (opts.schedules - failed)) * 100, 2),
      duplicateSuccessesBeforeDedup: extraSuccesses,
      duplicateRatePercent: round((extraSuccesses / opts.schedules) * 100, 2),
      executionIdsPerSchedule: Math.max(...entries.map((e) => e.executionIds.size)),
      requests,
      firstAttemptLatenessMs: summarise(firstAttempts),
      secondsUntilAllSettledAfterWindow: doneAt
        ? round((doneAt - (windowStart + opts.window * 1000)) / 1000, 1)
        : null,
    }),
  );
} finally {
  await server.stop();
  receiver.close();
  cleanup(dir);
}
