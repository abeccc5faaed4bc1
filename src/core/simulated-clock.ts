import type { Clock } from './clock.ts';

/**
 * A clock that only moves when told to, for tests of time logic (timeouts, retry intervals,
 * idle expiry, schedules). Pass it everywhere a `Clock` goes, including xstate's
 * `createActor(logic, { clock })`: xstate calls `setTimeout`/`clearTimeout` on it.
 */
export interface SimulatedClock extends Clock {
  /** Sets the current time without firing timers (only forward). */
  set(ms: number): void;
  /**
   * Moves time forward by `ms`, firing every timer that falls due in order, each at its own
   * time. Between timers it lets pending promise callbacks and I/O callbacks run, so async
   * work a timer starts (and timers it schedules inside the window) are honoured.
   */
  advance(ms: number): Promise<void>;
  /** Moves to the next pending timer and fires it; false when none is pending. */
  next(): Promise<boolean>;
  /** Number of pending timers. */
  pending(): number;
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createSimulatedClock(start = Date.UTC(2026, 0, 1)): SimulatedClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, Timer>();

  function due(limit: number): Timer | undefined {
    let first: Timer | undefined;
    for (const t of timers.values()) {
      if (t.at <= limit && (first === undefined || t.at < first.at || (t.at === first.at && t.id < first.id))) first = t;
    }
    return first;
  }

  async function fire(t: Timer): Promise<void> {
    timers.delete(t.id);
    if (t.at > now) now = t.at;
    t.fn();
    await settle();
  }

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { id, at: now + Math.max(0, Number.isFinite(ms) ? ms : 0), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    set(ms) {
      if (ms > now) now = ms;
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (let t = due(target); t; t = due(target)) await fire(t);
      now = target;
      await settle();
    },
    async next() {
      await settle();
      const t = due(Number.POSITIVE_INFINITY);
      if (!t) return false;
      await fire(t);
      return true;
    },
    pending: () => timers.size,
  };
}
