// Stand-in for the Workers AI binding (the outside world), run as its own Worker and bound as AI
// through its RPC entrypoint. POST /__mode {"kind": "unsure"|"answer"|"slow"|"fail"|"garbage"}.
// unsure (the default): valid JSON with confidence 0.1, so the built-in answer stands.
// answer: prefers the last candidate with confidence 0.95. slow: answers after 5 s.
import { WorkerEntrypoint } from "cloudflare:workers";

let mode = { kind: "unsure" };
let calls = 0;

export class AiStandIn extends WorkerEntrypoint {
  async run(_model, inputs) {
    calls++;
    const candidates = JSON.parse(inputs.messages[1].content.split("Candidates: ")[1]);
    if (mode.kind === "fail") throw new Error("stand-in: model unavailable");
    if (mode.kind === "slow") await new Promise((resolve) => setTimeout(resolve, 5000));
    if (mode.kind === "garbage") return { response: "Probably around nine in the morning." };
    const sure = mode.kind === "answer";
    const scores = candidates.map((_, i) => (sure && i === candidates.length - 1 ? 0.9 : 0.1));
    return { response: JSON.stringify({ scores, confidence: sure ? 0.95 : 0.1 }) };
  }
}

export default {
  async fetch(request) {
    if (request.method === "POST") mode = await request.json();
    return Response.json({ mode, calls });
  },
};
