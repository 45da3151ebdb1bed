import { base64ToBytes, bytesToBase64 } from "./hash";

/**
 * Standard Webhooks (standardwebhooks.com): the signed content is `${id}.${timestamp}.${body}`,
 * HMAC-SHA256 keyed with the base64 part of the `whsec_` secret, sent as `v1,<base64>`.
 */
export function newWebhookSecret(): string {
  return `whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function signingKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    const raw = base64ToBytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

export interface WebhookSignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export async function signWebhook(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): Promise<WebhookSignatureHeaders> {
  const content = new TextEncoder().encode(`${messageId}.${timestampSeconds}.${body}`);
  const mac = await crypto.subtle.sign("HMAC", await signingKey(secret), content);
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${bytesToBase64(new Uint8Array(mac))}`,
  };
}
