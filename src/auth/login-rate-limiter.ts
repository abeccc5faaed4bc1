import type { Clock } from '../core/index.ts';

/** Counts failed logins per key (client IP, username) in a fixed window. */
export interface LoginRateLimiter {
  /** True when `key` has used up its failures for the current window. */
  blocked(key: string): boolean;
  fail(key: string): void;
  reset(key: string): void;
}

/**
 * A fixed-window failure counter. Memory stays bounded: expired windows are dropped on the
 * next failure, and at most `maxKeys` keys are tracked (the oldest goes first).
 */
export function createLoginRateLimiter(options: { clock: Clock; maxFailures?: number; windowMs?: number; maxKeys?: number }): LoginRateLimiter {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 5 * 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const windows = new Map<string, { start: number; failures: number }>();
  const current = (key: string) => {
    const w = windows.get(key);
    if (w && options.clock.now() - w.start >= windowMs) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };
  return {
    blocked: (key) => (current(key)?.failures ?? 0) >= maxFailures,
    fail(key) {
      const w = current(key);
      if (w) {
        w.failures += 1;
        return;
      }
      if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string);
      windows.set(key, { start: options.clock.now(), failures: 1 });
    },
    reset: (key) => void windows.delete(key),
  };
}
