const MINUTE = 60_000;

/**
 * Spread sends so that no minute holds more than `perMinute` of them: each send goes to the first
 * minute at or after its own time that has room, keeping its offset within the minute. `counts`
 * (minute index → sends already placed) is updated. Sends are placed in the order given.
 */
export function allocateThrottledTimes(
  counts: Map<number, number>,
  times: number[],
  perMinute: number,
): number[] {
  return times.map((at) => {
    let minute = Math.floor(at / MINUTE);
    while ((counts.get(minute) ?? 0) >= perMinute) minute++;
    counts.set(minute, (counts.get(minute) ?? 0) + 1);
    const own = Math.floor(at / MINUTE);
    return minute === own ? at : minute * MINUTE;
  });
}
