/** Run `work` over every item, at most `limit` at a time (a sliding window, not fixed waves). */
export async function forEachConcurrently<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  /** Each lane waits for a timer turn after this many items (see yieldToIo). */
  options: { yieldEvery?: number } = {},
): Promise<void> {
  let next = 0;
  const lane = async () => {
    let sinceYield = 0;
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
      if (options.yieldEvery && ++sinceYield >= options.yieldEvery) {
        sinceYield = 0;
        await yieldToIo();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * A timer turn. In the local runtime a chain of calls to Durable Objects in the same process kept
 * every endpoint waiting until a whole campaign chunk was done (2 s stalls, measured with
 * bench/campaign-fanout.mjs). Lanes that each wait on their own timer let requests in; one shared
 * pause of all lanes, even every item, did not (measured too), so each lane yields on its own.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
