import { type Prior, parsePrior } from "../../lib/optimizer/model";
import { parseProfile } from "../../lib/optimizer/profile";
import {
  OUTCOME_SETTLE_DAYS,
  OUTCOME_WINDOW_DAYS,
  type TrainedModel,
  trainModel,
} from "../../lib/optimizer/train";
import { optimizerStore } from "../db/optimizer-store";
import type { Env } from "../env";

/** Profiles read per training run and type (the most recently updated). */
const TRAINING_PROFILES = 20_000;
const CACHE_MS = 60_000;
const cache = new Map<string, { prior: Prior | null; at: number }>();

/** The prior for a notification type: its own model, else the tenant's pooled one ("*"), else none. */
export async function loadPrior(env: Env, tenantId: string, type: string): Promise<Prior | null> {
  const key = `${tenantId}|${type}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.prior;
  const store = optimizerStore(env.DB, tenantId);
  const row = (await store.model(type)) ?? (await store.model("*"));
  const prior = row ? parsePrior(row.prior) : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(key, { prior, at: Date.now() });
  return prior;
}

const DAY_MS = 86_400_000;

/**
 * Train the pooled model and one per type from the profiles in D1, each recalibrated by the
 * outcomes of its recent optimized sends; returns the pooled one.
 */
export async function trainTenant(
  env: Env,
  tenantId: string,
  now: number,
): Promise<(TrainedModel & { version: string }) | null> {
  const store = optimizerStore(env.DB, tenantId);
  const version = `m${now}`;
  let pooled: (TrainedModel & { version: string }) | null = null;
  for (const type of ["*", ...(await store.types())]) {
    const ofType = type === "*" ? null : type;
    const rows = await store.recentProfiles(ofType, TRAINING_PROFILES);
    if (rows.length === 0) continue;
    const outcomes = await store.sendOutcomes(
      ofType,
      now - OUTCOME_WINDOW_DAYS * DAY_MS,
      now - OUTCOME_SETTLE_DAYS * DAY_MS,
    );
    const model = trainModel(
      rows.map((r) => parseProfile(r.profile)),
      version,
      outcomes,
    );
    await store.saveModel({
      type,
      version,
      prior: JSON.stringify(model.prior),
      trainedAt: now,
      users: model.users,
      events: model.events,
      metrics: JSON.stringify(model.metrics),
    });
    if (type === "*") pooled = { ...model, version };
  }
  for (const key of cache.keys()) if (key.startsWith(`${tenantId}|`)) cache.delete(key);
  return pooled;
}
