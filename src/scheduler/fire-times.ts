import { Cron } from 'croner';
import type { ScheduleEntry } from '../dag/types.ts';

// Fire times of schedule entries, computed with croner (cron expressions, nicknames, time
// zones, DST). Pure functions of their arguments: the scheduler machine calls them.

const crons = new Map<string, Cron>();

function cronOf(expression: string, timezone: string | undefined): Cron | undefined {
  const key = `${timezone ?? ''}\u0000${expression}`;
  let c = crons.get(key);
  if (!c) {
    try {
      c = new Cron(expression, { paused: true, ...(timezone ? { timezone } : {}) });
    } catch {
      return undefined;
    }
    if (crons.size >= 1024) crons.delete(crons.keys().next().value!);
    crons.set(key, c);
  }
  return c;
}

/** The first fire time strictly after `afterMs`, or undefined (an `at` entry in the past, an invalid expression). */
export function nextFireAfter(entry: ScheduleEntry, afterMs: number, defaultTimezone?: string): number | undefined {
  if (entry.kind === 'at') return entry.atMs !== undefined && entry.atMs > afterMs ? entry.atMs : undefined;
  const c = cronOf(entry.expression ?? entry.text, entry.timezone ?? defaultTimezone);
  const next = c?.nextRun(new Date(afterMs));
  return next ? next.getTime() : undefined;
}

/** Fire times in `(fromMs, toMs]`, oldest first, at most `cap` (then `truncated`). */
export function fireTimesBetween(entry: ScheduleEntry, fromMs: number, toMs: number, defaultTimezone?: string, cap = 1000): { times: number[]; truncated: boolean } {
  const times: number[] = [];
  let t = fromMs;
  for (;;) {
    const next = nextFireAfter(entry, t, defaultTimezone);
    if (next === undefined || next > toMs) return { times, truncated: false };
    if (times.length === cap) return { times, truncated: true };
    times.push(next);
    t = next;
  }
}

/** The latest fire time strictly before `beforeMs`, no further back than `lookbackMs`. */
export function previousFire(entry: ScheduleEntry, beforeMs: number, defaultTimezone?: string, lookbackMs = 366 * 24 * 3600_000): number | undefined {
  if (entry.kind === 'at') return entry.atMs !== undefined && entry.atMs < beforeMs ? entry.atMs : undefined;
  const c = cronOf(entry.expression ?? entry.text, entry.timezone ?? defaultTimezone);
  if (!c) return undefined;
  const prev = c.previousRuns(1, new Date(beforeMs))[0];
  if (prev && prev.getTime() < beforeMs && beforeMs - prev.getTime() <= lookbackMs) return prev.getTime();
  return undefined;
}

/** The earliest next start of a DAG's schedule after `afterMs` (stop/restart entries excluded), or undefined. */
export function nextStartAfter(entries: readonly ScheduleEntry[] | undefined, afterMs: number, defaultTimezone?: string): number | undefined {
  let best: number | undefined;
  for (const e of entries ?? []) {
    if (e.form !== 'start') continue;
    const t = nextFireAfter(e, afterMs, defaultTimezone);
    if (t !== undefined && (best === undefined || t < best)) best = t;
  }
  return best;
}
