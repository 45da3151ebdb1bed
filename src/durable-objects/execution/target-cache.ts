import type { DeliveryTarget } from "../../lib/schedules/delivery";
import type { MetaStore } from "../storage/meta-store";

/** A target this young is used as it is. */
const FRESH_MS = 30_000;
/** Up to this age a stale target is used, and refreshed after the deliveries; older, before them. */
const SERVE_STALE_MS = 10 * 60_000;
/** How long a refresh before delivering may wait for D1 before the stale copy is used. */
const REFRESH_TIMEOUT_MS = 1_000;

/** What the object delivers to: a target, the tenant gone (null), or nothing known and D1 down. */
export type TargetLookup =
  | { kind: "target"; target: DeliveryTarget }
  | { kind: "gone" }
  | { kind: "unknown" };

/**
 * Where this user's notifications go, kept in the object so that firing needs no D1 read. Every
 * create brings the tenant's current target (the API has just read the tenant), and the newest
 * version wins; an object that has not heard for a while asks D1, and uses its copy when D1 does
 * not answer. A PATCHed webhook URL reaches a busy object with its next create, any other within
 * FRESH_MS of its next firing after that.
 */
export class TargetCache {
  #target: DeliveryTarget | null;
  #checkedAt: number;
  /** When a refresh last failed: D1 is not asked again within FRESH_MS of that. */
  #failedAt = 0;

  constructor(
    private readonly meta: MetaStore,
    stored: Record<string, string>,
    private readonly load: () => Promise<DeliveryTarget | null>,
  ) {
    this.#target = stored.delivery_target ? (JSON.parse(stored.delivery_target) as DeliveryTarget) : null;
    this.#checkedAt = Number(stored.delivery_target_checked_at ?? 0);
  }

  /** A target the caller has just read from the tenant: kept if it is at least as new as ours. */
  learn(target: DeliveryTarget | undefined, now: number): void {
    if (target) this.#accept(target, now);
  }

  #accept(target: DeliveryTarget, now: number): void {
    const known = this.#target;
    const changed =
      !known ||
      known.version < target.version ||
      (known.version === target.version &&
        (known.webhookUrl !== target.webhookUrl ||
          known.sealedSecret !== target.sealedSecret ||
          known.timeoutMs !== target.timeoutMs));
    // Creates are the hot path: an unchanged copy is written again at most once per FRESH_MS.
    if (!changed && now - this.#checkedAt < FRESH_MS) return;
    if (changed) this.#target = target;
    this.#checkedAt = now;
    this.meta.write({
      delivery_target: JSON.stringify(this.#target),
      delivery_target_checked_at: String(now),
    });
  }

  /** The target to deliver to now; refreshes first when the copy is too old (or missing). */
  async current(now: number): Promise<TargetLookup> {
    const age = now - this.#checkedAt;
    if (this.#target && age < SERVE_STALE_MS) return { kind: "target", target: this.#target };
    const refreshed = await this.#refresh(now, REFRESH_TIMEOUT_MS);
    if (refreshed === "gone") return { kind: "gone" };
    return this.#target ? { kind: "target", target: this.#target } : { kind: "unknown" };
  }

  /** After delivering: a copy past FRESH_MS is refreshed for next time (failures only logged). */
  async refreshIfStale(now: number): Promise<void> {
    if (now - this.#checkedAt >= FRESH_MS && now - this.#failedAt >= FRESH_MS) {
      await this.#refresh(now, REFRESH_TIMEOUT_MS * 5);
    }
  }

  async #refresh(now: number, timeoutMs: number): Promise<"ok" | "gone" | "failed"> {
    try {
      const target = await withTimeout(this.load(), timeoutMs);
      if (target === null) return "gone";
      this.#accept(target, now);
      return "ok";
    } catch (error) {
      this.#failedAt = now;
      console.error(JSON.stringify({ msg: "delivery target refresh failed", error: String(error) }));
      return "failed";
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
