import { assign, enqueueActions, setup } from 'xstate';
import type { ScheduleEntry, ScheduleForm } from '../dag/types.ts';
import { fireTimesBetween, nextFireAfter, nextStartAfter, previousFire } from '../scheduler/fire-times.ts';

/** A DAG as the scheduler sees it: its name and its schedule entries. */
export interface ScheduledDag {
  name: string;
  entries: ScheduleEntry[];
}

export interface SchedulerInput {
  /** The zone of expressions without a `CRON_TZ=` prefix; absent = the host's local zone. */
  timezone?: string;
  /**
   * How late a firing may still be made (ms): a tick that comes later than this after a fire
   * time (the server was down, the host slept) skips that firing and reports it as missed.
   * @defaultValue 60000
   */
  graceMs?: number;
}

export interface SchedulerContext {
  timezone?: string;
  graceMs: number;
  dags: Record<string, ScheduledDag>;
  /** Everything up to this time has been evaluated (epoch ms); 0 before the start. */
  evaluatedTo: number;
  /** The earliest fire time of any entry after `evaluatedTo` (the host wakes the actor then). */
  nextFireAt: number | null;
  /** Per DAG, its next start (what `troupe dags` and REST show). */
  nextStarts: Record<string, number | null>;
  fired: number;
  missed: number;
}

export type SchedulerEvent =
  /** Starts evaluating. `since`: the evaluated-to time of the previous process life, if any. */
  | { type: 'scheduler.start'; now: number; since?: number; dags: ScheduledDag[] }
  /** The set of scheduled DAGs changed (a DAG file was written, renamed or removed). */
  | { type: 'scheduler.dags'; now: number; dags: ScheduledDag[] }
  /** Time passed: evaluate `(evaluatedTo, now]`. */
  | { type: 'scheduler.tick'; now: number }
  | { type: 'scheduler.stop' };

/**
 * What the scheduler emits. `schedule.due`: a firing to make now (`slotAt` is its fire time;
 * `previousSlotAt` the one before, for `skip_if_successful`). `schedule.missed`: fire times that
 * passed while nothing evaluated them (downtime), skipped and not replayed.
 */
export type SchedulerFact =
  | { type: 'schedule.due'; dag: string; form: ScheduleForm; slotAt: number; previousSlotAt?: number; entry: string }
  | { type: 'schedule.missed'; dag: string; form: ScheduleForm; count: number; truncated: boolean; firstAt: number; lastAt: number };

const FORMS: ScheduleForm[] = ['stop', 'restart', 'start'];

/**
 * What falls due in `(from, to]`: per DAG and form at most one firing (the newest, if it is
 * within `graceMs` of `to`); every older fire time is missed. Pure.
 */
export function evaluateWindow(dags: Iterable<ScheduledDag>, from: number, to: number, graceMs: number, timezone?: string): SchedulerFact[] {
  const facts: SchedulerFact[] = [];
  if (to <= from) return facts;
  for (const dag of dags) {
    for (const form of FORMS) {
      // Fire times of every entry of this form; entries firing at the same instant count once.
      const at = new Map<number, ScheduleEntry>();
      let truncated = false;
      for (const entry of dag.entries) {
        if (entry.form !== form) continue;
        const r = fireTimesBetween(entry, from, to, timezone);
        truncated ||= r.truncated;
        for (const t of r.times) if (!at.has(t)) at.set(t, entry);
      }
      if (at.size === 0) continue;
      const times = [...at.keys()].sort((x, y) => x - y);
      const newest = times[times.length - 1]!;
      const due = to - newest <= graceMs;
      const missed = due ? times.slice(0, -1) : times;
      if (missed.length > 0) facts.push({ type: 'schedule.missed', dag: dag.name, form, count: missed.length, truncated, firstAt: missed[0]!, lastAt: missed[missed.length - 1]! });
      if (due) {
        const entry = at.get(newest)!;
        const prev = previousFire(entry, newest, timezone);
        facts.push({ type: 'schedule.due', dag: dag.name, form, slotAt: newest, entry: entry.text, ...(prev !== undefined ? { previousSlotAt: prev } : {}) });
      }
    }
  }
  return facts;
}

function nextOf(dags: Record<string, ScheduledDag>, after: number, timezone?: string): { nextFireAt: number | null; nextStarts: Record<string, number | null> } {
  let nextFireAt: number | null = null;
  const nextStarts: Record<string, number | null> = {};
  for (const dag of Object.values(dags)) {
    nextStarts[dag.name] = nextStartAfter(dag.entries, after, timezone) ?? null;
    for (const e of dag.entries) {
      const t = nextFireAfter(e, after, timezone);
      if (t !== undefined && (nextFireAt === null || t < nextFireAt)) nextFireAt = t;
    }
  }
  return { nextFireAt, nextStarts };
}

const byName = (dags: ScheduledDag[]) => Object.fromEntries(dags.filter((d) => d.entries.length > 0).map((d) => [d.name, d]));

/**
 * The scheduler: a pure machine over schedule entries and time. It does no I/O and keeps no
 * timer: its host sends `scheduler.tick` with the clock's time (at `context.nextFireAt`, and
 * at least every minute), and performs the firings it emits (`schedule.due`), logging the
 * missed ones. Time only moves forward: a tick earlier than `evaluatedTo` evaluates nothing.
 */
export const schedulerMachine = setup({
  types: {
    input: {} as SchedulerInput,
    context: {} as SchedulerContext,
    events: {} as SchedulerEvent,
    emitted: {} as SchedulerFact,
  },
  actions: {
    evaluate: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'scheduler.tick' && event.type !== 'scheduler.start') return;
      const from = event.type === 'scheduler.start' ? (event.since !== undefined && event.since < event.now ? event.since : event.now) : context.evaluatedTo;
      const dags = event.type === 'scheduler.start' ? byName(event.dags) : context.dags;
      const to = Math.max(event.now, from);
      const facts = evaluateWindow(Object.values(dags), from, to, context.graceMs, context.timezone);
      for (const f of facts) enqueue.emit(f);
      const due = facts.filter((f) => f.type === 'schedule.due').length;
      const missed = facts.reduce((n, f) => n + (f.type === 'schedule.missed' ? f.count : 0), 0);
      enqueue.assign({ dags, evaluatedTo: to, fired: context.fired + due, missed: context.missed + missed, ...nextOf(dags, to, context.timezone) });
    }),
    replaceDags: assign(({ context, event }) => {
      if (event.type !== 'scheduler.dags') return {};
      const dags = byName(event.dags);
      return { dags, ...nextOf(dags, Math.max(context.evaluatedTo, event.now), context.timezone) };
    }),
  },
}).createMachine({
  id: 'scheduler',
  context: ({ input }) => ({
    ...(input.timezone ? { timezone: input.timezone } : {}),
    graceMs: input.graceMs ?? 60_000,
    dags: {},
    evaluatedTo: 0,
    nextFireAt: null,
    nextStarts: {},
    fired: 0,
    missed: 0,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: { 'scheduler.start': { target: 'running', actions: 'evaluate' }, 'scheduler.stop': 'stopped' },
    },
    running: {
      on: {
        'scheduler.tick': { actions: 'evaluate' },
        'scheduler.dags': { actions: 'replaceDags' },
        'scheduler.stop': 'stopped',
      },
    },
    stopped: { type: 'final' },
  },
});
