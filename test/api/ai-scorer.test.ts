import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../support/api";

type Optimal = { sendAt: string; explanation: string; confidence: number; source: string };

const HOUR = 3_600_000;

async function setMode(kind: string) {
  await env.AI_CONTROL.fetch("https://ai.test/__mode", { method: "POST", body: JSON.stringify({ kind }) });
}

/** A user with some history so that the built-in model answers (AI is asked only then). */
async function userWithHistory(t: TestTenant, userId: string) {
  const now = Date.now();
  const events = Array.from({ length: 10 }, (_, i) => ({
    userId,
    notificationType: "n",
    event: "sent",
    at: new Date(now - (i + 1) * 24 * HOUR).toISOString(),
  }));
  await call("POST", "/v1/engagement", { key: t.apiKey, body: { events } });
}

function ask(t: TestTenant, userId: string) {
  const notBefore = new Date(Date.now() + HOUR).toISOString();
  const notAfter = new Date(Date.now() + 20 * HOUR).toISOString();
  return call<Optimal>(
    "GET",
    `/v1/users/${userId}/optimal-send-time?type=n&notBefore=${notBefore}&notAfter=${notAfter}`,
    {
      key: t.apiKey,
    },
  );
}

describe("the optional Workers AI scorer", () => {
  afterAll(() => setMode("unsure"));

  it("re-ranks when it answers confidently, and is ignored when it is unsure", async () => {
    const t = await createTenant();
    await userWithHistory(t, "ai-user");
    await setMode("unsure");
    const builtIn = await ask(t, "ai-user");
    expect(builtIn.body.explanation).not.toMatch(/Workers AI/);
    await setMode("answer");
    const ai = await ask(t, "ai-user");
    expect(ai.status).toBe(200);
    expect(ai.body.explanation).toMatch(/^Workers AI/);
    expect(ai.body.confidence).toBe(0.95);
    // An exploring answer stays random: the AI is not asked to re-rank it.
    await call("PATCH", "/v1/tenant", { key: t.apiKey, body: { explorationShare: 1 } });
    const explored = await ask(t, "ai-user");
    expect(explored.body.source).toBe("exploration");
    expect(explored.body.explanation).toMatch(/^Exploration/);
  });

  it("falls back to the built-in answer when slow, failing or nonsensical, and /health shows the degradation", async () => {
    const t = await createTenant();
    await userWithHistory(t, "ai-fallback");
    for (const kind of ["slow", "garbage", "fail"]) {
      await setMode(kind);
      const res = await ask(t, "ai-fallback");
      expect(res.status, kind).toBe(200);
      expect(res.body.explanation, kind).not.toMatch(/Workers AI/);
    }
    // Three failures in a row open the scorer's breaker: the optimizer is degraded, not down.
    const health = await call<{
      status: string;
      checks: { optimizer: string };
      details: { aiScorer: { breaker: string } };
    }>("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body.checks.optimizer).toBe("degraded");
    expect(health.body.status).toBe("degraded");
    expect(health.body.details.aiScorer.breaker).toBe("open");
    // While it is open nothing is asked of it, and answers still come.
    await setMode("answer");
    const meanwhile = await ask(t, "ai-fallback");
    expect(meanwhile.body.explanation).not.toMatch(/Workers AI/);
  });
});
