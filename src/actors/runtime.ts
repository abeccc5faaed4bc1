import type { Observable } from 'rxjs';
import { createActor } from 'xstate';
import { TroupeError, createLogger, isoTime, systemClock } from '../core/index.ts';
import { nextStartAfter } from '../scheduler/fire-times.ts';
import type { Clock, Logger, OperationOrigin } from '../core/index.ts';
import { buildRunScope } from '../dag/index.ts';
import type { RunScope } from '../dag/index.ts';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunInput, RunStepState } from '../machines/index.ts';
import { autoRetryRemaining, createAutoRetry, scheduleAutoRetries } from './auto-retry.ts';
import { createDagService } from './dag-service.ts';
import { createRetention } from './retention.ts';
import { EventBus } from './event-bus.ts';
import type { DomainAction, RuntimeEvent, TransitionPage, TransitionQuery, TransitionRecord } from './events.ts';
import { createLocalProcessExecutor } from './executors/local-process.ts';
import type { JobLimits, JobRef, StepExecutor } from './executors/port.ts';
import { operationOrigin } from './operation-origin.ts';
import type { DagStore, RunStore } from './ports.ts';
import { QueueManager } from './queue-manager.ts';
import { RecordWriter } from './record-writer.ts';
import { foldRunEvent } from './record-fold.ts';
import { recoverRuns } from './recover-runs.ts';
import { createRunCommands } from './run-commands.ts';
import type { RuntimeCore } from './run-commands.ts';
import { provideRunMachine } from './run-actor.ts';
import type { RunActor } from './run-actor.ts';
import { keyOf, newHandle, snapshotKey } from './run-handle.ts';
import type { RunHandle } from './run-handle.ts';
import { RunLog } from './run-log.ts';
import { attemptLogDir, runLogPath } from './run-logs.ts';
import { observeRun } from './run-observer.ts';
import { createRunQueries } from './run-queries.ts';
import { openSeqLease } from './seq-lease.ts';
import { createSessionActors } from './session-actors.ts';
import type { RunRecord, RunRef, Runtime } from './types.ts';
import { runOutputs } from './sub-dag-step.ts';
import type { ChildResult, SubDagPort } from './sub-dag-step.ts';
import { createWaits } from './waits.ts';

/** Options of `createRuntime`. */
export interface RuntimeOptions {
  runStore: RunStore;
  dagStore: DagStore;
  /** Run logs go to `<dataDir>/logs`. */
  dataDir: string;
  /**
   * Runs step jobs. @defaultValue local processes (launched from a helper process, marked with
   * the data directory as their scope); the runtime closes an executor it created.
   */
  executor?: StepExecutor;
  /**
   * Where the default local executor forks step processes from: a small helper process
   * (cheap forks from a busy server; costs a Node start on the first step) or this process.
   * @defaultValue 'helper'
   */
  launcher?: 'helper' | 'direct';
  /** Per-step log and `output:` capture limits. @defaultValue the executor's (64 MiB, 1 MiB) */
  stepLimits?: JobLimits;
  /** Every timer and timestamp of the runtime and its actors. @defaultValue systemClock */
  clock?: Clock;
  /** Where the runtime and its parts report what they cannot throw to a caller. @defaultValue JSON lines on stderr */
  logger?: Logger;
  /** Global queues; other queues run one at a time. */
  queues?: Array<{ name: string; maxConcurrency: number }>;
  /** @defaultValue 100000 */
  maxQueuedRuns?: number;
  /** Grace period between stop signal and SIGKILL. @defaultValue 2000 */
  killGraceMs?: number;
  /** Most transitions persisted per run (all attempts); the run's own are always kept. @defaultValue 20000 */
  maxTransitionsPerRun?: number;
  /** Called before any state change; rejecting refuses it (the audit trail's fail-closed policy). */
  gate?: () => Promise<void>;
  /**
   * Resolves once every event published so far is durable in the subscribers that must not
   * lose it (the audit trail); rejecting refuses the call that waits for it. Commands answer
   * only after it resolves: acknowledged means durable. @defaultValue resolves at once
   */
  commit?: () => Promise<void>;
  /** The environment steps inherit. @defaultValue process.env */
  baseEnv?: Record<string, string>;
  /**
   * Called with `events$` before boot recovery runs, so observers (the audit trail) also see
   * the events recovery publishes (`run.interrupted`, ...).
   */
  observe?: (events$: Observable<RuntimeEvent>) => void;
  /**
   * Queued runs (enqueued now or restored from the store) wait and are never dispatched. For a
   * short-lived CLI process that opens the data directory while no server runs: the runs stay
   * queued on disk and the next server dispatches them. @defaultValue false
   */
  holdQueued?: boolean;
  /** Zone of schedule expressions without `CRON_TZ=`, for the DAGs' next run. @defaultValue the host's local zone */
  scheduleTimezone?: string;
  /**
   * Retry failed runs automatically per their DAG's `retry_policy` (the server does; a CLI
   * process does not). `windowMs`: at boot, failed runs that ended longer ago are left alone.
   * `deferred`: this process schedules no retries, the next server does (a CLI process), but a
   * failed attempt with retries left still skips `handler_on.failure` (§20.3).
   * Without it, no automatic retry follows a failure and every failed attempt runs its failure handler.
   * @defaultValue off
   */
  autoRetry?: { windowMs: number; deferred?: boolean };
  /**
   * Days of run history kept for a DAG that sets neither `hist_retention_days` nor
   * `hist_retention_runs`; pruning runs when an attempt of the DAG begins. @defaultValue 30
   */
  retentionDays?: number;
}

/**
 * Creates the runtime: DAG runs as XState actors, steps as jobs through the `StepExecutor`
 * port, queues, and the event backbone (`events$`, see `events.ts`).
 *
 * Who emits: run actors `emit` their lifecycle facts and are inspected for transitions
 * (`run-observer.ts`); commands publish the facts of a call (`run-commands.ts`); recovery
 * publishes what it finds. All of it goes through one `EventBus`, which numbers and stamps
 * each event and delivers it outside the actors. Who subscribes, in this order, each
 * isolated: the record fold (run records, in place), the transition recorder, the run log,
 * the finisher (remembers the ended run, writes it durably, frees its handle), queue-slot
 * release; then `events$` for the audit trail, `terminal$`/`waitForRun`, MCP notifications,
 * live streams and the visualizer.
 *
 * At creation it recovers from a previous process life: runs that were running are marked
 * failed ("interrupted by restart") after their leftover processes are killed, and queued
 * runs are restored and resume in order.
 *
 * @example
 * const db = await openDatabase('./data');
 * const runtime = await createRuntime({ runStore: createLevelRunStore(db), dagStore: createDagDirStore('./dags'), dataDir: './data' });
 * const { dagRunId } = await runtime.start({ name: 'hello' });
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? createLogger()).child({ component: 'runtime' });
  const { runStore, dataDir } = options;
  const graceMs = options.killGraceMs ?? 2000;
  const ownExecutor = options.executor === undefined;
  const executor = options.executor ?? createLocalProcessExecutor({ clock, graceMs, scope: dataDir, logger: logger.child({ component: 'executor' }), ...(options.launcher ? { launcher: options.launcher } : {}) });
  const baseEnv = options.baseEnv ?? (Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>);
  const gate = options.gate ?? (async () => {});
  const commit = options.commit ?? (async () => {});
  const maxTransitions = options.maxTransitionsPerRun ?? 20_000;

  const handles = new Map<string, RunHandle>();
  // The language scope of every live run (params, env, consts, secrets): built when its actor
  // starts, kept in memory only (secrets never reach a snapshot or record), dropped at its end.
  const scopes = new Map<string, RunScope | Error>();
  const writer = new RecordWriter(runStore, (error) => logger.warn('cannot persist run records (will retry)', { error }), clock);
  const seq = await openSeqLease(await runStore.seqLease(), writer);
  const bus = new EventBus(clock, seq, logger.child({ component: 'events' }));
  const machine = provideRunMachine({
    executor,
    clock,
    baseEnv,
    graceMs,
    recordJob,
    ...(options.stepLimits ? { limits: options.stepLimits } : {}),
    correlationOf: (name, id) => handles.get(keyOf(name, id))?.record.origin.correlationId,
    placementOf: (name, id) => {
      const selector = handles.get(keyOf(name, id))?.spec.workerSelector;
      return { affinity: `${name}/${id}`, runWorkDir: join(dataDir, 'work', name, id), ...(selector ? { workerSelector: selector } : {}) };
    },
    scopeOf: (name, id) => scopes.get(keyOf(name, id)),
    logger: logger.child({ component: 'steps' }),
    subDags: {
      watch: (ref) => watchChild(ref),
      start: (req) => children.startChild(req),
      stop: (ref) => children.stopChild(ref.name, ref.dagRunId),
    },
  });
  const queues = new QueueManager(options.queues ?? [], (key) => {
    const h = handles.get(key);
    // A queued run resolves its scope (secrets, dotenv) when it starts, not when it was queued.
    if (h?.actor) scopes.set(h.key, buildScope(h, new Date(clock.now()).toISOString()));
    h?.actor?.send({ type: 'run.start', now: clock.now() });
  }, options.holdQueued === true);
  const runLog = new RunLog(dataDir, logger.child({ component: 'run-log' }));
  const queries = createRunQueries({ handles, runStore, dataDir, ...(executor.waitingReason ? { waitingReason: (jobId: string) => executor.waitingReason!(jobId) } : {}) });
  let closed = false;

  // ------------------------------------------------------------------------------------------
  // Subscribers (in delivery order)
  // ------------------------------------------------------------------------------------------

  const live = (event: { run: { name: string; dagRunId: string; attempt: number } }): RunHandle | undefined => {
    const h = handles.get(keyOf(event.run.name, event.run.dagRunId));
    return h && h.record.attempt === event.run.attempt ? h : undefined;
  };

  bus.subscribe('record', (event) => {
    if (event.type === 'transition' || event.type === 'domain' || event.type === 'run.interrupted') return;
    const h = live(event);
    if (!h || !foldRunEvent(h.record, event, h.stepIndex)) return;
    if (event.type !== 'run.finished') writer.write(h.key, h.record);
  });

  bus.subscribe('transitions', (event) => {
    if (event.type !== 'transition' || (event.actorKind !== 'run' && event.actorKind !== 'step') || !event.run) return;
    const h = live(event as { run: NonNullable<typeof event.run> });
    if (!h) return;
    const counts = (h.record.transitions ??= { kept: 0, dropped: 0 });
    if (event.actorKind === 'step' && counts.kept >= maxTransitions) {
      counts.dropped++;
      return;
    }
    counts.kept++;
    const t: TransitionRecord = {
      seq: event.seq,
      at: event.at,
      run: event.run,
      actorKind: event.actorKind,
      actor: event.actorKind === 'run' ? 'run' : event.step!,
      from: event.from,
      to: event.to,
      event: event.event,
      correlationId: event.correlationId,
    };
    writer.appendTransition(t);
  });

  bus.subscribe('run-log', (event) => {
    if (event.type === 'transition' || event.type === 'domain') return;
    runLog.write(event);
  });

  // DAG-level retry_policy: a failed attempt with retries left gets a pending retry.
  const autoRetry = options.autoRetry && !options.autoRetry.deferred
    ? createAutoRetry({ clock, logger: logger.child({ component: 'auto-retry' }), retry: (name, id) => commands.retry(name, id, {}), record: (name, id) => queries.existingRecord(name, id) })
    : undefined;
  bus.subscribe('auto-retry', (event) => {
    if (!autoRetry || event.type !== 'run.finished' || event.status !== 'failed') return;
    const h = live(event);
    if (h) autoRetry.schedule(h.record, h.spec);
  });

  // Retention: when an attempt of a DAG begins, its old runs and their logs are pruned.
  const retention = createRetention({
    runStore,
    dataDir,
    clock,
    logger: logger.child({ component: 'retention' }),
    defaultDays: options.retentionDays ?? 30,
    isLive: (name, id) => handles.has(keyOf(name, id)),
    idle: () => writer.idle(),
    forget: (name, id) => queries.forget(keyOf(name, id)),
  });
  bus.subscribe('retention', (event) => {
    if (event.type !== 'run.started' || closed) return;
    const h = live(event);
    if (h) retention.request(h.record.name, h.spec);
  });

  bus.subscribe('finisher', (event) => {
    if (event.type !== 'run.finished') return;
    const h = live(event);
    if (!h || !h.actor) return;
    h.actor = undefined;
    scopes.delete(h.key);
    const r = h.record;
    queries.remember(r);
    writer
      .writeNow(h.key, r)
      .then(() => runStore.deleteSnapshot(snapshotKey(h.key)))
      .catch((error: Error) => logger.warn('cannot persist the end of a run', { run: h.key, error }))
      .finally(() => {
        // A retry may already have put a new handle under the same key.
        if (handles.get(h.key) === h && !h.actor) handles.delete(h.key);
      });
  });

  // Last, so the next run's events follow this run's end.
  bus.subscribe('queue-release', (event) => {
    if (event.type !== 'run.finished') return;
    const h = handles.get(keyOf(event.run.name, event.run.dagRunId));
    queues.finished(h?.record.queue ?? event.run.name, keyOf(event.run.name, event.run.dagRunId));
  });

  /**
   * A step's job id is durable with its run before the job is submitted: after a crash at
   * any moment, recovery knows every job that may have started user code.
   */
  async function recordJob(ref: JobRef): Promise<void> {
    const h = handles.get(keyOf(ref.runName, ref.runId));
    if (!h || h.record.attempt !== ref.attempt) throw new Error(`run ${ref.runName}/${ref.runId} is not live`);
    const i = h.record.steps.findIndex((s) => s.name === ref.step);
    if (i === -1) {
      h.record.steps.push({ name: ref.step, status: 'not_started', exitCode: null, startedAt: null, finishedAt: null, retryCount: 0, handler: true, job: { jobId: ref.jobId } });
      h.stepIndex.clear();
    } else h.record.steps[i]!.job = { jobId: ref.jobId };
    await writer.writeNow(h.key, h.record);
  }

  // ------------------------------------------------------------------------------------------
  // What commands and recovery share
  // ------------------------------------------------------------------------------------------

  function publishDomain(action: DomainAction, record: Pick<RunRecord, 'name' | 'dagRunId' | 'workspace'>, details: Record<string, unknown>, origin: OperationOrigin): void {
    bus.publish(
      {
        type: 'domain',
        action,
        resourceType: 'dag_run',
        resourceId: `${record.name}/${record.dagRunId}`,
        workspace: record.workspace,
        details: { dag_name: record.name, dag_run_id: record.dagRunId, ...details },
        origin,
      },
      origin.correlationId,
    );
  }

  async function durable(): Promise<void> {
    bus.drain();
    await commit();
  }

  /** Builds the run's language scope (§5.3) and creates its work and artifacts directories; an Error fails every step with its message. */
  function buildScope(h: RunHandle, startedAt = h.record.startedAt ?? undefined): RunScope | Error {
    const r = h.record;
    const logDir = attemptLogDir(dataDir, r.name, r.dagRunId, r.attempt);
    try {
      const scope = buildRunScope({
        spec: h.spec,
        facts: { dagName: r.name, dagRunId: r.dagRunId, attempt: r.attempt, trigger: r.trigger, logFile: runLogPath(logDir), ...(startedAt ? { startedAt } : {}), ...(r.scheduledAt ? { scheduledAt: r.scheduledAt } : {}) },
        params: r.params,
        hostEnv: baseEnv,
        readFile: (path) => {
          try {
            return readFileSync(path, 'utf8');
          } catch {
            return undefined;
          }
        },
        runWorkDir: join(dataDir, 'work', r.name, r.dagRunId),
        runArtifactsDir: join(dataDir, 'artifacts', r.name, r.dagRunId),
      });
      // A sub-DAG run knows its root (${context.run.root_name}, root_id).
      if (r.root) Object.assign(scope.facts, { rootName: r.root.name, rootId: r.root.dagRunId });
      mkdirSync(scope.workDir, { recursive: true });
      mkdirSync(join(dataDir, 'work', r.name, r.dagRunId), { recursive: true });
      if (scope.facts.artifactsDir !== undefined) mkdirSync(scope.facts.artifactsDir, { recursive: true });
      for (const w of scope.warnings) logger.warn(w, { dag: r.name, dagRunId: r.dagRunId });
      return scope;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  function runInput(h: RunHandle, queued: boolean, preset?: Record<string, RunStepState>): RunInput {
    const vars = { ...h.record.params };
    const input: RunInput = {
      dagName: h.record.name,
      dagRunId: h.record.dagRunId,
      attempt: h.record.attempt,
      spec: h.spec,
      vars,
      logDir: attemptLogDir(dataDir, h.record.name, h.record.dagRunId, h.record.attempt),
      queued,
      now: clock.now(),
    };
    if (preset) input.preset = preset;
    // A failure of this attempt is retried automatically: its failure handler waits for the final attempt.
    const remaining = options.autoRetry ? autoRetryRemaining(h.record, h.spec) : undefined;
    if (remaining) input.autoRetry = remaining;
    return input;
  }

  function startActor(h: RunHandle, input: RunInput, snapshot?: unknown): void {
    scopes.set(h.key, buildScope(h));
    const observer = observeRun(h, bus, clock);
    const actor = createActor(machine, {
      id: `run:${h.key}`,
      input,
      clock,
      inspect: observer.inspect,
      ...(snapshot !== undefined ? { snapshot: snapshot as never } : {}),
    }) as unknown as RunActor;
    h.actor = actor;
    observer.attach(actor);
    actor.start();
  }

  async function guard(): Promise<void> {
    if (closed) throw new TroupeError('SHUTTING_DOWN', 'the runtime is shutting down');
    await gate();
  }

  const dags = createDagService({
    store: options.dagStore,
    gate: () => guard(),
    emit: (action, name, workspace, details) => {
      const origin = operationOrigin();
      bus.publish({ type: 'domain', action, resourceType: 'dag', resourceId: name, workspace, details, origin }, origin.correlationId);
    },
    durable,
    onUndoFailed: (error) => logger.error('a refused DAG change could not be undone: the DAG file may hold the refused content', { error }),
    nextRun: (spec) => {
      const at = nextStartAfter(spec.scheduleEntries, clock.now(), options.scheduleTimezone);
      return at === undefined ? null : isoTime(at);
    },
  });

  const core: RuntimeCore = { clock, logger, bus, writer, runStore, dags, queues, handles, queries, maxQueued: options.maxQueuedRuns ?? 100_000, baseEnv, guard, durable, publishDomain, runInput, startActor, queueSeq: 0 };
  const { startChild, stopChild, ...commands } = createRunCommands(core);
  const children = { startChild, stopChild };

  /** Watches a child run's ends (sub-DAG steps): its outcome as its parent step sees it. */
  function watchChild(ref: RunRef): ReturnType<SubDagPort['watch']> {
    const key = keyOf(ref.name, ref.dagRunId);
    const seen = new Map<number, ChildResult>();
    let want: { attempt: number; resolve: (r: ChildResult) => void } | undefined;
    const sub = bus.events$.subscribe((e) => {
      if (e.type !== 'run.finished' || keyOf(e.run.name, e.run.dagRunId) !== key) return;
      const r = queries.peek(ref.name, ref.dagRunId);
      const result: ChildResult = { status: e.status, params: r?.params ?? {}, outputs: r ? runOutputs(r, handles.get(key)?.spec) : {}, steps: Object.fromEntries((r?.steps ?? []).filter((s) => s.outputs && (s.status === 'succeeded' || s.status === 'partially_succeeded')).map((s) => [s.name, s.outputs!])), ...(e.error !== undefined ? { error: e.error } : {}) };
      seen.set(e.run.attempt, result);
      if (want && e.run.attempt >= want.attempt) want.resolve(result);
    });
    return {
      ended: (attempt) =>
        new Promise((resolve) => {
          const done = [...seen.entries()].find(([a]) => a >= attempt);
          if (done) resolve(done[1]);
          else want = { attempt, resolve };
        }),
      close: () => sub.unsubscribe(),
    };
  }
  const waits = createWaits({ bus, clock, queries });
  const sessionActors = createSessionActors({ clock, bus });
  if (autoRetry) core.cancelAutoRetry = (name, id) => autoRetry.cancel(name, id);

  async function transitions(name: string, dagRunId: string, query: TransitionQuery = {}): Promise<TransitionPage> {
    const r = await queries.existingRecord(name, dagRunId);
    if (!r) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`);
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 1000), 1), 10_000);
    // Transitions still in the writer's window are made durable first, so a reader never
    // sees a gap that fills in later.
    await writer.idle();
    const items: TransitionRecord[] = [];
    let after = query.afterSeq;
    let more = false;
    for (;;) {
      const page = await runStore.transitions(name, dagRunId, { ...(after !== undefined ? { afterSeq: after } : {}), limit });
      for (const t of page) {
        if (query.attempt !== undefined && t.run.attempt !== query.attempt) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(t);
      }
      if (more || page.length < limit) break;
      after = page[page.length - 1]!.seq;
    }
    const result: TransitionPage = { items, dropped: r.transitions?.dropped ?? 0 };
    if (more) result.nextAfterSeq = items[items.length - 1]!.seq;
    return result;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    autoRetry?.close();
    bus.drain();
    await retention.idle();
    // Persist first: stopping actors kills their steps, and a record written afterwards
    // would not show what was running.
    for (const h of handles.values()) if (h.actor) writer.write(h.key, h.record);
    await writer.idle();
    for (const h of handles.values()) h.actor?.stop();
    sessionActors.stopAll();
    bus.drain();
    runLog.close();
    if (ownExecutor) await executor.close().catch((error: unknown) => logger.warn('cannot close the executor', { error }));
    await writer.close();
    bus.complete();
  }

  options.observe?.(bus.events$);

  // Recovery from a previous process life, before anyone can call in.
  core.queueSeq = await recoverRuns({
    runStore,
    writer,
    executor,
    clock,
    logger: logger.child({ component: 'recovery' }),
    queues,
    publish: (event, correlationId) => bus.publish(event, correlationId),
    loadSpec: (yaml, name, document) => (document !== undefined ? dags.load(yaml, undefined, document) : dags.load(yaml, name)).spec,
    restoreQueued: (record, spec, snapshot) => {
      const h = newHandle(record, spec, true);
      handles.set(h.key, h);
      startActor(h, runInput(h, true), snapshot);
      return h;
    },
  });
  bus.drain();
  if (autoRetry) await scheduleAutoRetries({ runStore, load: (yaml, name) => dags.load(yaml, name).spec, autoRetry, since: clock.now() - options.autoRetry!.windowMs, logger });

  return {
    listDags: dags.list,
    getDag: dags.get,
    validateDag: dags.validate,
    putDag: dags.put,
    createDag: dags.create,
    renameDag: dags.rename,
    deleteDag: dags.remove,
    ...commands,
    getRun: queries.getRun,
    listRuns: queries.listRuns,
    runLogs: queries.runLogs,
    stepLog: queries.stepLog,
    terminal$: waits.terminal$,
    waitForRun: waits.waitForRun,
    events$: bus.events$,
    lastSeq: () => bus.lastSeq(),
    transitions,
    spawn: sessionActors.spawn as Runtime['spawn'],
    close,
  };
}
