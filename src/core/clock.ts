/**
 * Time as a port. Production uses `systemClock`; tests may substitute a controllable clock.
 * `now()` is epoch milliseconds.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** ISO-8601 UTC with milliseconds, the one timestamp format Troupe stores and serves. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
