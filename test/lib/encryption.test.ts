import { describe, expect, it } from "vitest";
import { decryptValue, encryptValue, isEncrypted, parseKeyring } from "../../src/lib/crypto/encryption";

const key = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));

describe("encryption at rest", () => {
  it("round-trips with a fresh IV each time and never shows the plaintext", async () => {
    const ring = parseKeyring(`k1:${key(1)}`);
    const a = await encryptValue(ring, '{"secret":"hello"}', "sch_1:payload");
    const b = await encryptValue(ring, '{"secret":"hello"}', "sch_1:payload");
    expect(a).not.toBe(b);
    expect(isEncrypted(a)).toBe(true);
    expect(a).not.toContain("hello");
    expect(a.startsWith("enc:v1:k1:")).toBe(true);
    expect(await decryptValue(ring, a, "sch_1:payload")).toBe('{"secret":"hello"}');
  });

  it("binds each value to its row and field", async () => {
    const ring = parseKeyring(`k1:${key(1)}`);
    const sealed = await encryptValue(ring, "x", "sch_1:payload");
    await expect(decryptValue(ring, sealed, "sch_2:payload")).rejects.toThrow();
    await expect(decryptValue(ring, sealed, "sch_1:metadata")).rejects.toThrow();
  });

  it("rotates: the first key encrypts, older keys still decrypt", async () => {
    const old = parseKeyring(`k1:${key(1)}`);
    const rotated = parseKeyring(`k2:${key(2)},k1:${key(1)}`);
    const written = await encryptValue(old, "before rotation", "c");
    expect(await decryptValue(rotated, written, "c")).toBe("before rotation");
    expect((await encryptValue(rotated, "after", "c")).startsWith("enc:v1:k2:")).toBe(true);
    await expect(decryptValue(parseKeyring(`k3:${key(3)}`), written, "c")).rejects.toThrow(/no key "k1"/);
  });

  it("refuses malformed key lists", () => {
    expect(() => parseKeyring(undefined)).toThrow(/not configured/);
    expect(() => parseKeyring("k1:short")).toThrow(/32 bytes|base64/);
    expect(() => parseKeyring(`:${key(1)}`)).toThrow(/key id/);
  });
});
