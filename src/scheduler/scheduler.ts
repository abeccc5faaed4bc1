import { firstValueFrom } from 'rxjs';
import type { Actor } from 'xstate';
import { createLogger, isoTime, newId, runWithContext, systemClock } from '../core/index.ts';
import type { Clock, Logger } from '../core/index.ts';
import type { DagSpec } from '../dag/types.ts';
import type { Runtime } from '../actors/types.ts';
import { schedulerMachine } from '../machines/scheduler.machine.ts';
import type { ScheduledDag, SchedulerFact } from '../machines/scheduler.machine.ts';
import type { SchedulerStateStore } from './state-store.ts';
import { createMemorySchedulerStateStore } from './state-store.ts';

export interface SchedulerOptions {
  runtime: Runtime;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** @defaultValue JSON lines on stderr */
  logger?: Logger;
  /** Where the evaluated-to time survives a restart. @defaultValue in memory */
  state?: SchedulerStateStore;
  /** Zone of expressions without `CRON_TZ=`. @defaultValue the host's local zone */
  timezone?: string;
  /** How late a firing may still be made, ms (see `SchedulerInput.graceMs`). @defaultValue 60000 */
  graceMs?: number;
  /** Longest sleep between evaluations; DAG files changed on disk are re-read this often. @defaultValue 60000 */
  maxSleepMs?: number;
}

export interface Scheduler {
  /** Loads the scheduled DAGs, reports what was missed while down, and starts firing. */
  start(): Promise<void>;
  /** Next start of each scheduled DAG (ISO time), from the scheduler actor's state. */
  nextStarts(): Record<string, string | null>;
  /** Resolves when every firing made so far has been carried out (tests). */
  idle(): Promise<void>;
  /** Stops firing; waits for firings in progress. */
  close(): Promise<void>;
}

type Fact<T extends SchedulerFact['type']> = Extract<SchedulerFact, { type: T }>;

/**
 * The server's scheduler: one actor of `schedulerMachine`, spawned on the runtime (so its
 * transitions are on `events$` and in the visualizer like every actor's), woken on the
 * runtime's clock at each fire time and at least every `maxSleepMs`. It carries out what the
 * machine emits through the runtime's own commands, each firing under its own operation
 * context (`source: scheduler`, a fresh correlation id), so the audit trail records it like
 * any call: a start is an enqueue into the DAG's queue (trigger `scheduler`, `scheduledAt`
 * = the fire time), skipped while a run of the DAG is running or queued (unless
 * `overlap_policy: all`) and, with `skip_if_successful`, when the latest run succeeded since
 * the previous fire time. `stop` stops running runs; `restart` stops them, waits
 * `restart_wait_sec` and starts. Fire times that passed while no scheduler ran are logged and
 * skipped (Dagu's behaviour without `catchup_window`).
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { runtime } = options;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? createLogger()).child({ component: 'scheduler' });
  const state = options.state ?? createMemorySchedulerStateStore();
  const maxSleep = options.maxSleepMs ?? 60_000;
  let actor: Actor<typeof schedulerMachine> | undefined;
  let timer: unknown;
  let closed = false;
  let work: Promise<void> = Promise.resolve();
  let specs = new Map<string, DagSpec>();
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;
  let lastReload = 0;
  let subscription: { unsubscribe(): void } | undefined;
  // Restarts waiting out restart_wait_sec; close() ends the waits (the start is then skipped).
  const waits = new Set<() => void>();

  /** Runs `fn` after everything queued before it; a failure is logged, never thrown. */
  const queue = (what: string, fn: () => Promise<void>): void => {
    work = work.then(fn).catch((error: unknown) => logger.warn(`scheduler: ${what} failed`, { error }));
  };

  const warnedProfiles = new Set<string>();
  async function loadDags(): Promise<ScheduledDag[]> {
    const next = new Map<string, DagSpec>();
    const out: ScheduledDag[] = [];
    for (const d of await runtime.listDags()) {
      if (d.errors.length > 0) continue;
      const spec = (await runtime.getDag(d.name))?.spec;
      if (!spec?.scheduleEntries?.length) continue;
      // Dagu fires a profile-scoped entry only when the DAG's selected runtime profile matches;
      // Troupe selects no runtime profile, so such entries never fire (said once per DAG).
      const entries = spec.scheduleEntries.filter((e) => e.profile === undefined);
      if (entries.length < spec.scheduleEntries.length && !warnedProfiles.has(d.name)) {
        warnedProfiles.add(d.name);
        logger.warn('scheduler: profile-scoped schedule entries never fire (Troupe has no runtime profiles)', { dag: d.name, entries: spec.scheduleEntries.length - entries.length });
      }
      if (entries.length === 0) continue;
      next.set(d.name, spec);
      out.push({ name: d.name, entries });
    }
    specs = next;
    lastReload = clock.now();
    return out;
  }

  /** Re-reads the DAG directory (coalesced: one read at a time, one more if asked meanwhile). */
  function reload(): void {
    if (closed) return;
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = loadDags()
      .then((dags) => {
        if (!closed) actor?.send({ type: 'scheduler.dags', now: clock.now(), dags });
        arm();
      })
      .catch((error: unknown) => logger.warn('scheduler: cannot read the DAG directory', { error }))
      .finally(() => {
        reloading = undefined;
        if (reloadAgain) {
          reloadAgain = false;
          reload();
        }
      });
  }

  function arm(): void {
    if (closed || !actor) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    const now = clock.now();
    const next = actor.getSnapshot().context.nextFireAt;
    const delay = next === null ? maxSleep : Math.min(Math.max(next - now, 0), maxSleep);
    timer = clock.setTimeout(wake, delay);
  }

  function wake(): void {
    timer = undefined;
    if (closed || !actor) return;
    // The time is read when the timer fires: a tick that comes late reports late firings as missed.
    actor.send({ type: 'scheduler.tick', now: clock.now() });
    const evaluatedTo = actor.getSnapshot().context.evaluatedTo;
    queue('saving its state', () => state.saveEvaluatedTo(evaluatedTo));
    if (clock.now() - lastReload >= maxSleep) reload();
    arm();
  }

  /** Runs `fn` as one scheduler operation with its own correlation id. */
  function asScheduler<T>(fn: () => Promise<T>): Promise<T> {
    return runWithContext({ source: 'scheduler', correlationId: newId() }, fn);
  }

  async function activeRuns(name: string) {
    return (await runtime.listRuns({ name, status: ['running', 'queued'], limit: 100 })).items;
  }

  async function startRun(f: Fact<'schedule.due'>, spec: DagSpec, guarded: boolean): Promise<void> {
    const fields = { dag: f.dag, slot: isoTime(f.slotAt), schedule: f.entry };
    // A slot runs once, also when a previous life enqueued it and stopped before saving its state.
    const recent = (await runtime.listRuns({ name: f.dag, limit: 20 })).items;
    const same = recent.find((r) => r.scheduledAt === fields.slot);
    if (same) {
      logger.info('scheduled start skipped: that slot already ran', { ...fields, dagRunId: same.dagRunId });
      return;
    }
    if (guarded) {
      const active = await activeRuns(f.dag);
      if (active.length > 0 && spec.overlapPolicy !== 'all') {
        logger.info('scheduled start skipped: the DAG has a run in progress', { ...fields, dagRunId: active[0]!.dagRunId, status: active[0]!.statusLabel });
        return;
      }
      if (spec.skipIfSuccessful && f.previousSlotAt !== undefined) {
        const [latest] = recent;
        const at = latest?.finishedAt ? Date.parse(latest.finishedAt) : NaN;
        if (latest?.statusLabel === 'succeeded' && at >= f.previousSlotAt) {
          logger.info('scheduled start skipped: skip_if_successful and the latest run succeeded since the previous fire time', { ...fields, dagRunId: latest.dagRunId, previousSlot: isoTime(f.previousSlotAt) });
          return;
        }
      }
    }
    const ref = await asScheduler(() => runtime.enqueue({ name: f.dag }, { scheduledAt: f.slotAt }));
    logger.info('scheduled run queued', { ...fields, dagRunId: ref.dagRunId });
  }

  async function stopRuns(f: Fact<'schedule.due'>): Promise<string[]> {
    const running = (await activeRuns(f.dag)).filter((r) => r.statusLabel === 'running');
    const stopped: string[] = [];
    for (const r of running) {
      await asScheduler(() => runtime.stop(f.dag, r.dagRunId)).then(
        () => stopped.push(r.dagRunId),
        (error: unknown) => logger.warn('scheduled stop failed', { dag: f.dag, dagRunId: r.dagRunId, error }),
      );
    }
    return stopped;
  }

  async function carryOut(f: Fact<'schedule.due'>): Promise<void> {
    const spec = specs.get(f.dag);
    if (!spec) return;
    if (f.form === 'start') return startRun(f, spec, true);
    if (f.form === 'stop') {
      const stopped = await stopRuns(f);
      logger.info(stopped.length > 0 ? 'scheduled stop: runs stopped' : 'scheduled stop: nothing was running', { dag: f.dag, slot: isoTime(f.slotAt), dagRunIds: stopped });
      return;
    }
    // restart: stop what runs, wait for its end and restart_wait_sec, then start (no running-guard).
    const stopped = await stopRuns(f);
    await Promise.all(stopped.map((id) => firstValueFrom(runtime.terminal$(f.dag, id)).catch(() => undefined)));
    const waitMs = (spec.restartWaitSec ?? 0) * 1000;
    if (waitMs > 0 && !closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          waits.delete(done);
          clock.clearTimeout(t);
          resolve();
        };
        const t = clock.setTimeout(done, waitMs);
        waits.add(done);
      });
    }
    if (!closed) await startRun(f, spec, false);
  }

  function onMissed(f: Fact<'schedule.missed'>): void {
    logger.warn(`missed ${f.count}${f.truncated ? '+' : ''} ${f.form} firing${f.count > 1 ? 's' : ''} of ${f.dag} while the scheduler was not running; skipped, not replayed`, {
      dag: f.dag,
      form: f.form,
      count: f.count,
      first: isoTime(f.firstAt),
      last: isoTime(f.lastAt),
      hint: 'Troupe does not replay missed runs (Dagu does so only with catchup_window); start one with `troupe start`',
    });
  }

  return {
    async start() {
      if (actor) return;
      const since = await state.loadEvaluatedTo();
      const dags = await loadDags();
      actor = runtime.spawn(schedulerMachine, { kind: 'scheduler', id: 'scheduler', input: { ...(options.timezone ? { timezone: options.timezone } : {}), ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}) } });
      actor.on('schedule.due', (f) => queue(`the ${f.form} firing of ${f.dag}`, () => carryOut(f)));
      actor.on('schedule.missed', onMissed);
      subscription = runtime.events$.subscribe((e) => {
        if (e.type === 'domain' && e.resourceType === 'dag') reload();
      });
      actor.send({ type: 'scheduler.start', now: clock.now(), ...(since !== undefined ? { since } : {}), dags });
      const evaluatedTo = actor.getSnapshot().context.evaluatedTo;
      queue('saving its state', () => state.saveEvaluatedTo(evaluatedTo));
      if (dags.length > 0) logger.info(`scheduler started: ${dags.length} scheduled DAG${dags.length > 1 ? 's' : ''}`, { dags: dags.map((d) => d.name) });
      arm();
    },
    nextStarts() {
      const out: Record<string, string | null> = {};
      for (const [name, at] of Object.entries(actor?.getSnapshot().context.nextStarts ?? {})) out[name] = at === null ? null : isoTime(at);
      return out;
    },
    async idle() {
      for (let seen = work; ; seen = work) {
        await seen;
        await reloading;
        if (seen === work && !reloading) return;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      subscription?.unsubscribe();
      for (const done of [...waits]) done();
      actor?.send({ type: 'scheduler.stop' });
      await reloading;
      await work;
    },
  };
}
