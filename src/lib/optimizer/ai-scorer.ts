/**
 * An optional second opinion from a language model (Workers AI), behind the same question the
 * built-in model answers: which of these candidate hours is best for this user? The model sees
 * the candidates with the built-in probabilities and the user's send/open counts by time of day,
 * and must answer JSON `{"scores":[...], "confidence":0..1}`. Anything else counts as a failure.
 */
export interface AiCandidate {
  at: string;
  localHour: number;
  weekday: string;
  builtInProbability: number;
}

export function aiMessages(candidates: AiCandidate[], history: string) {
  return [
    {
      role: "system",
      content:
        "You choose send times for notifications. Answer only JSON: " +
        '{"scores": [one open probability per candidate, in order], "confidence": number between 0 and 1}.',
    },
    {
      role: "user",
      content: `User history by time of day: ${history}\nCandidates: ${JSON.stringify(candidates)}`,
    },
  ];
}

export interface AiVerdict {
  scores: number[];
  confidence: number;
}

/** The model's answer, if it is the JSON asked for with one score per candidate. */
export function parseAiVerdict(output: unknown, candidates: number): AiVerdict | null {
  let value: unknown = output;
  if (value && typeof value === "object" && "response" in value)
    value = (value as { response: unknown }).response;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value.slice(value.indexOf("{"), value.lastIndexOf("}") + 1));
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== "object") return null;
  const { scores, confidence } = value as { scores?: unknown; confidence?: unknown };
  if (!Array.isArray(scores) || scores.length !== candidates || typeof confidence !== "number") return null;
  if (!scores.every((s) => typeof s === "number" && s >= 0 && s <= 1)) return null;
  if (!(confidence >= 0 && confidence <= 1)) return null;
  return { scores: scores as number[], confidence };
}
