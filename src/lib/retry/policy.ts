import type { RetryConfig } from "../schedules/model";

export type DeliveryVerdict = "delivered" | "retryable" | "permanent";

/** API.md "Delivery": 2xx delivered; 408, 429, 5xx, timeouts and network errors retry; other 4xx fail. */
export function classifyDelivery(httpStatus: number | null): DeliveryVerdict {
  if (httpStatus === null) return "retryable";
  if (httpStatus >= 200 && httpStatus < 300) return "delivered";
  if (httpStatus === 408 || httpStatus === 429 || httpStatus >= 500) return "retryable";
  return "permanent";
}

/**
 * Delay before retry number `retry` (1 = the first retry). `random` is injected so that the
 * jittered policy stays a pure function. `retryAfterMs` (from a 429/503) is a floor.
 */
export function retryDelayMs(
  config: RetryConfig,
  retry: number,
  random: number,
  retryAfterMs?: number,
): number {
  const initial = config.initialDelaySeconds * 1000;
  const cap = config.maxDelaySeconds * 1000;
  let delay: number;
  switch (config.backoff) {
    case "fixed":
      delay = initial;
      break;
    case "linear":
      delay = initial * retry;
      break;
    case "exponential":
      delay = initial * 2 ** (retry - 1);
      break;
    case "jittered":
      // "Full jitter": uniform in [0, exponential], so synchronized failures spread out.
      delay = random * initial * 2 ** (retry - 1);
      break;
  }
  return Math.max(Math.min(delay, cap), retryAfterMs ?? 0);
}

/** `maxRetries` counts retries after the first attempt: attempts end at most at maxRetries + 1. */
export function hasRetryLeft(config: RetryConfig, attemptsMade: number): boolean {
  return attemptsMade < config.maxRetries + 1;
}
