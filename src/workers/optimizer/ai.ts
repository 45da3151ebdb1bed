import { aiMessages, parseAiVerdict } from "../../lib/optimizer/ai-scorer";
import type { Decision } from "../../lib/optimizer/decide";
import {
  admitDelivery,
  type CircuitPolicy,
  closedCircuit,
  DEFAULT_CIRCUIT_POLICY,
  recordAttempts,
} from "../../lib/retry/circuit-breaker";
import { formatLocal } from "../../lib/time/zones";
import { type Env, numberVar } from "../env";

/** The slice of the Workers AI binding this uses (a stand-in Worker provides the same in tests). */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

const DEFAULT_MODEL = "@cf/meta/llama-3.1-8b-instruct";
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/**
 * One breaker per isolate for the AI scorer (the same state machine as the webhook circuits): after
 * repeated failures or timeouts it stops asking for a while, then probes once.
 */
const policy: CircuitPolicy = {
  ...DEFAULT_CIRCUIT_POLICY,
  minFailures: 3,
  openMs: 60_000,
  probeTimeoutMs: 10_000,
};
let breaker = closedCircuit(policy);
let lastError: string | null = null;

export function aiScorerHealth(env: Env): "off" | "ok" | "degraded" {
  if (!env.AI) return "off";
  return breaker.status === "closed" ? "ok" : "degraded";
}

export function aiScorerDetails(env: Env) {
  return {
    configured: Boolean(env.AI),
    model: env.AI_MODEL ?? DEFAULT_MODEL,
    breaker: breaker.status,
    lastError,
  };
}

type Answer = Decision & { localTime: string; timezone: string };

/**
 * Ask Workers AI to re-rank the built-in model's best candidates. Its pick is used only when it
 * answers in time, in the expected shape, with confidence at or above AI_MIN_CONFIDENCE; in every
 * other case the built-in answer stands (and failures feed the breaker).
 */
export async function withSecondOpinion(env: Env, decision: Answer, history: string): Promise<Answer> {
  const ai = env.AI as AiBinding | undefined;
  const alternatives = decision.alternatives ?? [];
  // An exploring answer must stay random: that is what makes it worth learning from.
  const unranked: Answer["source"][] = ["fixed", "fallback", "exploration"];
  if (!ai || alternatives.length < 2 || unranked.includes(decision.source)) return decision;
  const admitted = admitDelivery(breaker, policy, Date.now());
  breaker = admitted.state;
  if (admitted.admission.kind === "defer") return decision;
  const model = env.AI_MODEL ?? DEFAULT_MODEL;
  const candidates = alternatives.map((a) => ({
    at: new Date(a.at).toISOString(),
    localHour: a.slot % 24,
    weekday: WEEKDAYS[Math.floor(a.slot / 24)]!,
    builtInProbability: Math.round(a.probability * 10_000) / 10_000,
  }));
  let verdict = null;
  try {
    const timeoutMs = numberVar(env.AI_TIMEOUT_MS, 1500);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const output = await Promise.race([
      ai.run(model, { messages: aiMessages(candidates, history) }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    verdict = parseAiVerdict(output, candidates.length);
    lastError = verdict ? null : "the answer was not the JSON asked for";
  } catch (error) {
    lastError = String(error);
  }
  breaker = recordAttempts(breaker, policy, Date.now(), {
    successes: verdict ? 1 : 0,
    failures: verdict ? 0 : 1,
    probe: admitted.admission.kind === "probe",
  });
  if (!verdict) {
    console.error(JSON.stringify({ msg: "AI scorer failed; built-in answer used", error: lastError }));
    return decision;
  }
  if (verdict.confidence < Number(env.AI_MIN_CONFIDENCE ?? 0.6)) return decision;
  let best = 0;
  verdict.scores.forEach((score, i) => {
    if (score > verdict.scores[best]!) best = i;
  });
  const pick = alternatives[best]!;
  return {
    ...decision,
    at: pick.at,
    slot: pick.slot,
    localTime: formatLocal(pick.at, decision.timezone),
    engagementProbability: verdict.scores[best]!,
    modelProbability: pick.modelProbability,
    confidence: verdict.confidence,
    explanation: `Workers AI (${model}) chose ${candidates[best]!.weekday} ${String(pick.slot % 24).padStart(2, "0")}:00 with confidence ${verdict.confidence}; the built-in model said: ${decision.explanation}`,
  };
}
