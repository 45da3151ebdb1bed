/** Run `work` over every item, at most `limit` at a time (a sliding window, not fixed waves). */
export async function forEachConcurrently<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  /**
   * Breathing room for the rest of the process (see yieldToIo): after `every` items all lanes stop,
   * and once the last one is idle they wait `ms` together.
   */
  options: { pause?: { every: number; ms: number } } = {},
): Promise<void> {
  let next = 0;
  let sincePause = 0;
  let busy = 0;
  let pause: { promise: Promise<void>; release: () => void; started: boolean } | null = null;
  const lane = async () => {
    while (next < items.length) {
      if (pause) {
        const current = pause;
        if (busy === 0 && !current.started) {
          current.started = true;
          void yieldToIo(options.pause!.ms).then(current.release);
        }
        await current.promise;
        continue;
      }
      const item = items[next++]!;
      busy++;
      try {
        await work(item);
      } finally {
        busy--;
      }
      if (options.pause && ++sincePause >= options.pause.every && !pause) {
        sincePause = 0;
        let release = () => {};
        const promise = new Promise<void>((resolve) => {
          release = resolve;
        }).then(() => {
          pause = null;
        });
        pause = { promise, release, started: false };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Wait on a timer. In the local runtime a chain of calls to Durable Objects in the same process
 * never waits on I/O, and workerd takes no new request until it ends: a campaign chunk kept every
 * endpoint waiting 2 s (bench/campaign-fanout.mjs). Idle time lets requests in.
 */
export function yieldToIo(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
