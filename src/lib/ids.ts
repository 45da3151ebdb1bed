const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
const RANDOM_PART = 20;

/** A random lowercase alphanumeric string (~103 bits for 20 characters). */
export function randomId(length = RANDOM_PART): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 36];
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomId()}`;
}

export const USER_ID_PATTERN = /^[A-Za-z0-9_.:@+-]{1,128}$/;

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string | null {
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
}

/**
 * A schedule id names its user so that `GET /v1/schedules/{id}` finds the owning Durable Object
 * (`<tenant>:<user>`) without a tenant-wide index: `sch_` + 20 random chars + base64url(userId).
 * A forged or foreign id decodes to an object of the caller's own tenant that lacks the row: 404.
 */
export function newScheduleId(userId: string): string {
  return `sch_${randomId()}${toBase64Url(userId)}`;
}

/**
 * The id of a generated schedule is derived, not random: the same (source, user, occurrence) always
 * names the same row, so generating twice, or concurrently, creates it once. `source` says what
 * generated it (a pattern and its version, a campaign phase).
 */
export async function derivedScheduleId(source: string, userId: string, occurrence: number): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${source}|${userId}|${occurrence}`)),
  );
  let part = "";
  for (const b of digest.subarray(0, RANDOM_PART)) part += ALPHABET[b % 36];
  return `sch_${part}${toBase64Url(userId)}`;
}

export function userIdFromScheduleId(id: string): string | null {
  if (!id.startsWith("sch_") || id.length <= 4 + RANDOM_PART || id.length > 4 + RANDOM_PART + 172)
    return null;
  const userId = fromBase64Url(id.slice(4 + RANDOM_PART));
  return userId !== null && USER_ID_PATTERN.test(userId) ? userId : null;
}
