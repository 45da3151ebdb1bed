#!/usr/bin/env node
// A local stand-in for a tenant's notification service: receives the scheduler's webhooks,
// verifies their Standard Webhooks signature, prints each delivery, and can misbehave on purpose.
//   npm run receiver -- [--port 8788] [--secret whsec_...] [--fail-rate 0.2] [--slow-rate 0.05]
//                       [--slow-ms 3000] [--record deliveries.jsonl] [--quiet]
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(option("--port", 8788));
const secret = option("--secret", process.env.WEBHOOK_SECRET);
const failRate = Number(option("--fail-rate", 0));
const slowRate = Number(option("--slow-rate", 0));
const slowMs = Number(option("--slow-ms", 3000));
const record = option("--record");
const quiet = args.includes("--quiet");
const verifier = secret ? new Webhook(secret) : null;
let count = 0;

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (c) => chunks.push(c));
  request.on("end", async () => {
    const receivedAt = Date.now();
    const body = Buffer.concat(chunks).toString("utf8");
    let verified = "unverified (no --secret)";
    let payload;
    try {
      payload = verifier ? verifier.verify(body, request.headers) : JSON.parse(body);
      if (verifier) verified = "signature ok";
    } catch (error) {
      verified = `SIGNATURE INVALID: ${error.message}`;
    }
    const roll = Math.random();
    const status = roll < failRate ? 500 : 200;
    const slow = status === 200 && Math.random() < slowRate;
    if (slow) await new Promise((r) => setTimeout(r, slowMs));
    count++;
    if (record) {
      appendFileSync(
        record,
        `${JSON.stringify({ webhookId: request.headers["webhook-id"], scheduleId: payload?.scheduleId, scheduledTime: payload?.scheduledTime, attempt: payload?.attempt, receivedAt, status, verified: verified === "signature ok" })}\n`,
      );
    }
    if (!quiet) {
      const lateness = payload?.scheduledTime ? receivedAt - Date.parse(payload.scheduledTime) : NaN;
      console.log(
        `#${count} ${new Date(receivedAt).toISOString()} ${verified} → ${status}` +
          ` ${payload?.notificationId ?? "?"} for ${payload?.userId ?? "?"} (attempt ${payload?.attempt ?? "?"},` +
          ` ${lateness} ms after scheduledTime) webhook-id=${request.headers["webhook-id"]}`,
      );
    }
    response
      .writeHead(status, { "content-type": "text/plain" })
      .end(status === 200 ? "ok" : "induced failure");
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(
    `[receiver] listening on http://127.0.0.1:${port}/hooks ${secret ? "(verifying signatures)" : ""}`,
  );
});
