import { base64ToBytes, bytesToBase64 } from "./hash";

/**
 * Encryption at rest: AES-256-GCM with a random 96-bit IV per value and the key id stored with the
 * value, `enc:v1:<keyId>:<iv>:<ciphertext>`. The keyring comes from ENCRYPTION_KEYS,
 * "k2:<base64 32 bytes>,k1:<base64 32 bytes>": the first key encrypts, every key decrypts, so a key
 * is rotated by putting a new one first. `context` (e.g. "sch_…:payload") is bound as additional
 * data: a ciphertext moved to another row or field does not decrypt.
 */
export interface Keyring {
  primary: string;
  keys: Map<string, Promise<CryptoKey>>;
}

const PREFIX = "enc:v1:";
const keyrings = new Map<string, Keyring>();

export class KeyringError extends Error {}

export function parseKeyring(spec: string | undefined): Keyring {
  if (!spec) throw new KeyringError("ENCRYPTION_KEYS is not configured");
  const cached = keyrings.get(spec);
  if (cached) return cached;
  const keys = new Map<string, Promise<CryptoKey>>();
  let primary: string | undefined;
  for (const entry of spec
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon);
    if (colon <= 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id))
      throw new KeyringError(`ENCRYPTION_KEYS: bad key id in "${id}"`);
    let raw: Uint8Array;
    try {
      raw = base64ToBytes(entry.slice(colon + 1));
    } catch {
      throw new KeyringError(`ENCRYPTION_KEYS: key ${id} is not base64`);
    }
    if (raw.length !== 32)
      throw new KeyringError(`ENCRYPTION_KEYS: key ${id} must be 32 bytes, not ${raw.length}`);
    keys.set(id, crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    primary ??= id;
  }
  if (!primary) throw new KeyringError("ENCRYPTION_KEYS has no key");
  const keyring = { primary, keys };
  keyrings.set(spec, keyring);
  return keyring;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function encryptValue(keyring: Keyring, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await keyring.keys.get(keyring.primary)!;
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
    key,
    encoder.encode(plaintext),
  );
  return `${PREFIX}${keyring.primary}:${bytesToBase64(iv)}:${bytesToBase64(new Uint8Array(sealed))}`;
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export async function decryptValue(keyring: Keyring, stored: string, context: string): Promise<string> {
  if (!isEncrypted(stored)) throw new KeyringError("value is not encrypted");
  const [keyId, iv, sealed] = stored.slice(PREFIX.length).split(":");
  const key = keyId ? keyring.keys.get(keyId) : undefined;
  if (!key || !iv || !sealed)
    throw new KeyringError(`no key "${keyId}" in ENCRYPTION_KEYS for a stored value`);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: base64ToBytes(iv), additionalData: encoder.encode(context) },
    await key,
    base64ToBytes(sealed),
  );
  return decoder.decode(plain);
}

/** A JSON value sealed with the first key of an ENCRYPTION_KEYS spec, bound to `context`. */
export function sealJson(keySpec: string | undefined, value: unknown, context: string): Promise<string> {
  return encryptValue(parseKeyring(keySpec), JSON.stringify(value), context);
}

/** The JSON value `sealJson` sealed under this context. */
export async function openJson<T>(keySpec: string | undefined, stored: string, context: string): Promise<T> {
  return JSON.parse(await decryptValue(parseKeyring(keySpec), stored, context)) as T;
}
