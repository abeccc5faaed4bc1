import { appendFile, createWriteStream, mkdir, mkdirSync } from 'node:fs';
import { Observable, Subject, config as rxConfig, defer, filter, from, map, merge, take } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import {
  TroupeError,
  isoTime,
  runIdProblem,
  systemClock,
  uuidv7,
} from '../core/index.ts';
import type { Clock, OperationOrigin } from '../core/index.ts';
import { descendants, buildPlan, evalEnv, parseParamsOverride, resolveParams, workspaceOf } from '../dag/index.ts';
import { isActiveRunStatus, isTerminalRunStatus } from '../dag/status.ts';
import { runStatusOf } from '../machines/index.ts';
import type { RunContext, RunInput, RunStepState } from '../machines/index.ts';
import { createDagService } from './dag-service.ts';
import { createLegacyLocalProcessExecutor } from './executors/legacy-local-process.ts';
import type { DagStore, RunStore, StepExecutor } from './ports.ts';
import { QueueManager } from './queue-manager.ts';
import { RecordWriter } from './record-writer.ts';
import { keyOf, snapshotKey } from './run-handle.ts';
import type { RunHandle } from './run-handle.ts';
import { createRunQueries } from './run-queries.ts';
import { recoverRuns } from './recover-runs.ts';
import { createSessionActors } from './session-actors.ts';
import { stateString } from './state-string.ts';
import { parseLabels } from './parse-labels.ts';
import { operationOrigin } from './operation-origin.ts';
import { createRunActor, provideRunMachine } from './run-actor.ts';
import { attemptLogDir, runLogPath } from './run-logs.ts';
import { fromStepRecord, stepRecordsOf, toRunDetails } from './run-record.ts';
import type {
  DagRef,
  DomainAction,
  RetryOptions,
  RunDetails,
  RunRecord,
  RunRef,
  Runtime,
  RuntimeEvent,
  StartOptions,
  TransitionEvent,
} from './types.ts';

/** Options of `createRuntime`. */
export interface RuntimeOptions {
  runStore: RunStore;
  dagStore: DagStore;
  /** Run logs go to `<dataDir>/logs`. */
  dataDir: string;
  /** @defaultValue local processes */
  executor?: StepExecutor;
  clock?: Clock;
  /** Global queues; other queues run one at a time. */
  queues?: Array<{ name: string; maxConcurrency: number }>;
  /** @defaultValue 100000 */
  maxQueuedRuns?: number;
  /** Grace period between stop signal and SIGKILL. @defaultValue 2000 */
  killGraceMs?: number;
  /** Called before any state change; rejecting refuses it (the audit trail's fail-closed policy). */
  gate?: () => Promise<void>;
  /** The environment steps inherit. @defaultValue process.env */
  baseEnv?: Record<string, string>;
  /**
   * Called with `events$` before boot recovery runs, so observers (the audit trail) also see
   * the events recovery emits (`dag_run_interrupted`, ...).
   */
  observe?: (events$: Observable<RuntimeEvent>) => void;
  /** Where the runtime reports problems it cannot throw to a caller. @defaultValue stderr */
  onWarning?: (message: string) => void;
}

/**
 * Creates the runtime: DAG runs as XState actors persisted through the `RunStore` port, steps
 * as processes through the `StepExecutor` port, queues, and the `events$` stream of every
 * actor transition and domain event. At creation it recovers from a previous process life:
 * runs that were running are marked failed ("interrupted by restart") after their leftover
 * process groups are killed, and queued runs are restored and resume in order.
 *
 * @example
 * const db = await openDatabase('./data');
 * const runtime = await createRuntime({ runStore: createLevelRunStore(db), dagStore: createDagDirStore('./dags'), dataDir: './data' });
 * const { dagRunId } = await runtime.start({ name: 'hello' });
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const executor = options.executor ?? createLegacyLocalProcessExecutor({ killGraceMs: options.killGraceMs ?? 2000 });
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`troupe: ${m}\n`));
  const { runStore, dataDir } = options;
  const maxQueued = options.maxQueuedRuns ?? 100_000;
  const baseEnv = options.baseEnv ?? (Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>);
  const gate = options.gate ?? (async () => {});

  // A throwing events$ subscriber must never break an actor or crash the process: RxJS
  // reports subscriber errors asynchronously, through this hook.
  rxConfig.onUnhandledError = (error) => warn(`an events$ subscriber threw: ${(error as Error)?.stack ?? String(error)}`);

  const events = new Subject<RuntimeEvent>();
  const terminal = new Subject<RunDetails>();
  const handles = new Map<string, RunHandle>();
  const writer = new RecordWriter(runStore, (e) => warn(`cannot persist run records (will retry): ${e.message}`));
  const machine = provideRunMachine({ executor, clock, baseEnv });
  const queues = new QueueManager(options.queues ?? [], (key) => {
    const h = handles.get(key);
    h?.actor?.send({ type: 'run.start', now: clock.now() });
  });
  let queueSeq = 0;
  let closed = false;

  function emit(event: RuntimeEvent): void {
    try {
      events.next(event);
    } catch (error) {
      warn(`events$ delivery failed: ${(error as Error).message}`);
    }
  }

  function domain(action: DomainAction, record: Pick<RunRecord, 'name' | 'dagRunId' | 'workspace'>, details: Record<string, unknown>, origin: OperationOrigin): void {
    emit({
      type: 'domain',
      at: clock.now(),
      action,
      resourceType: 'dag_run',
      resourceId: `${record.name}/${record.dagRunId}`,
      workspace: record.workspace,
      details: { dag_name: record.name, dag_run_id: record.dagRunId, ...details },
      origin,
    });
  }

  function logLine(h: RunHandle, line: string): void {
    const text = `${isoTime(clock.now())} ${line}\n`;
    if (h.log) {
      // Lines of one tick go out as one write: a busy run logs several lines per step.
      if (h.logBuffer === undefined) {
        h.logBuffer = '';
        setImmediate(() => flushLog(h));
      }
      h.logBuffer += text;
      return;
    }
    if (h.record.status === 'queued' || !h.actor) {
      // A queued run holds no file descriptor: thousands may wait at once.
      const dir = attemptDir(h);
      mkdir(dir, { recursive: true }, () => appendFile(runLogPath(dir), text, (e) => e && warn(`run log ${h.key}: ${e.message}`)));
      return;
    }
    openLog(h);
    h.log!.write(text);
  }

  function flushLog(h: RunHandle): void {
    if (h.logBuffer) h.log?.write(h.logBuffer);
    h.logBuffer = undefined;
  }

  function attemptDir(h: RunHandle): string {
    return attemptLogDir(dataDir, h.record.name, h.record.dagRunId, h.record.attempt);
  }

  /** Folds the run actor's context into the handle's record. */
  function syncRecord(h: RunHandle, ctx: RunContext, value: unknown): void {
    const status = runStatusOf(value);
    const r = h.record;
    r.status = status === 'not_started' ? r.status : status;
    r.steps = stepRecordsOf(ctx);
    r.queuedAt = ctx.queuedAt === null ? r.queuedAt : isoTime(ctx.queuedAt);
    r.startedAt = ctx.startedAt === null ? null : isoTime(ctx.startedAt);
    r.finishedAt = ctx.finishedAt === null ? null : isoTime(ctx.finishedAt);
    if (isTerminalRunStatus(r.status) && r.finishedAt === null) r.finishedAt = isoTime(clock.now());
    if (ctx.error !== undefined) r.error = ctx.error;
    else delete r.error;
  }

  function inspector(h: RunHandle) {
    return (event: InspectionEvent) => {
      if (event.type !== '@xstate.snapshot') return;
      try {
        onSnapshot(h, event);
      } catch (error) {
        // Never let bookkeeping break the actor that is being inspected.
        warn(`run ${h.key}: ${(error as Error).stack ?? String(error)}`);
      }
    };
  }

  function onSnapshot(h: RunHandle, event: Extract<InspectionEvent, { type: '@xstate.snapshot' }>): void {
    const ref = event.actorRef as typeof event.actorRef & { id: string };
    const snap = event.snapshot as { value?: unknown; status?: string; context?: unknown };
    if (snap.value === undefined) return; // not a machine (a step's process callback)
    const isRun = ref === h.actor;
    const to = stateString(snap.value);
    const from = h.lastValues.get(ref.sessionId) ?? null;
    const changed = from !== to;
    if (snap.status === 'done') h.lastValues.delete(ref.sessionId);
    else h.lastValues.set(ref.sessionId, to);
    if (isRun) {
      // The run's context changes on every step report, often without a state change: the
      // record follows the context, the transition event follows the state.
      syncRecord(h, snap.context as RunContext, snap.value);
      if (changed) {
        const restored = h.restoring === true && event.event.type === 'xstate.init';
        h.restoring = false;
        if (!restored) logLine(h, `run ${to}`);
        emit(transitionEvent(h, 'run', `run:${h.key}:${h.record.attempt}`, from, to, event.event.type, restored));
        if (to.startsWith('running') && !(from ?? '').startsWith('running')) {
          domain('dag_run_started', h.record, { attempt: h.record.attempt, trigger: h.record.trigger }, h.record.origin);
        }
      }
      if (isTerminalRunStatus(h.record.status)) finishRun(h);
      else writer.write(h.key, h.record);
      return;
    }
    if (!changed) return;
    const ctx = snap.context as { status: RunRecord['status'] & string; exitCode: number | null; startedAt: number | null; finishedAt: number | null; retryCount: number; error?: string };
    const t = transitionEvent(h, 'step', `step:${h.key}:${h.record.attempt}:${ref.id}`, from, to, event.event.type, false);
    t.step = ref.id;
    t.stepState = { status: ctx.status as never, exitCode: ctx.exitCode, startedAt: ctx.startedAt, finishedAt: ctx.finishedAt, retryCount: ctx.retryCount, ...(ctx.error ? { error: ctx.error } : {}) };
    logLine(h, `step ${ref.id} ${ctx.status}${ctx.exitCode !== null ? ` exit=${ctx.exitCode}` : ''}${ctx.error ? ` (${ctx.error})` : ''}`);
    emit(t);
  }

  function transitionEvent(h: RunHandle, kind: 'run' | 'step', actorId: string, from: string | null, to: string, cause: string, restored: boolean): TransitionEvent {
    return {
      type: 'transition',
      at: clock.now(),
      actorKind: kind,
      actorId,
      machine: kind,
      from,
      to,
      event: cause,
      restored,
      run: { name: h.record.name, dagRunId: h.record.dagRunId, attempt: h.record.attempt },
      origin: h.record.origin,
    };
  }

  function finishRun(h: RunHandle): void {
    if (!h.actor) return;
    const r = h.record;
    h.actor = undefined;
    const started = r.startedAt ? Date.parse(r.startedAt) : undefined;
    const details: Record<string, unknown> = { status: r.status, attempt: r.attempt };
    if (started !== undefined && r.finishedAt) details.duration_ms = Date.parse(r.finishedAt) - started;
    if (r.error) details.error = r.error;
    domain('dag_run_finished', r, details, r.origin);
    logLine(h, `finished ${r.status}${r.error ? ` (${r.error})` : ''}`);
    flushLog(h);
    h.log?.end();
    h.log = undefined;
    queries.remember(r);
    // Notify before the write completes: subscribers read the record from memory.
    terminal.next(toRunDetails(r));
    // Free the queue slot last, so the next run's events follow this run's end.
    queues.finished(r.queue, h.key);
    writer
      .writeNow(h.key, r)
      .then(() => runStore.deleteSnapshot(snapshotKey(h.key)))
      .catch((e: Error) => warn(`run ${h.key}: ${e.message}`))
      .finally(() => {
        // A retry may already have put a new handle under the same key.
        if (handles.get(h.key) === h && !h.actor) handles.delete(h.key);
      });
  }

  function openLog(h: RunHandle): void {
    mkdirSync(attemptDir(h), { recursive: true });
    h.log = createWriteStream(runLogPath(attemptDir(h)), { flags: 'a' });
    h.log.on('error', (e) => warn(`run log ${h.key}: ${e.message}`));
  }

  function runInput(h: RunHandle, queued: boolean, preset?: Record<string, RunStepState>): RunInput {
    const vars = { ...h.record.params, ...evalEnv(h.spec.env, { ...baseEnv, ...h.record.params }) };
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
    return input;
  }

  function startActor(h: RunHandle, input: RunInput, snapshot?: unknown): void {
    h.actor = createRunActor(machine, { id: `run:${h.key}`, input, snapshot, inspect: inspector(h) });
    h.actor.start();
  }

  const dags = createDagService({
    store: options.dagStore,
    gate: () => guard(),
    emit: (action, name, workspace, details) =>
      emit({ type: 'domain', at: clock.now(), action, resourceType: 'dag', resourceId: name, workspace, details, origin: operationOrigin() }),
  });

  async function guard(): Promise<void> {
    if (closed) throw new TroupeError('SHUTTING_DOWN', 'the runtime is shutting down');
    await gate();
  }

  function liveRuns(name: string): RunHandle[] {
    return [...handles.values()].filter((h) => h.record.name === name && h.actor !== undefined);
  }

  async function prepare(ref: DagRef, opts: StartOptions, queued: boolean): Promise<RunHandle> {
    await guard();
    const { spec, yaml } = await dags.resolve(ref);
    const override = opts.params === undefined ? {} : parseParamsOverride(opts.params);
    const params = resolveParams(spec.params, override);
    let dagRunId: string;
    if (opts.dagRunId !== undefined) {
      const problem = typeof opts.dagRunId === 'string' ? runIdProblem(opts.dagRunId) : 'dag-run ID must be a string';
      if (problem) throw new TroupeError('INVALID_INPUT', problem, { details: { field: 'dagRunId' } });
      dagRunId = opts.dagRunId;
    } else dagRunId = uuidv7(clock.now());
    const name = spec.name;
    if (await existingRecord(name, dagRunId)) {
      throw new TroupeError('RUN_EXISTS', `dag-run ID ${dagRunId} already exists for DAG ${name}`, { details: { dagRunId } });
    }
    if (opts.singleton) {
      const live = liveRuns(name);
      if (live.some((h) => h.record.status === 'running')) {
        throw new TroupeError('SINGLETON_RUNNING', `DAG ${name} is already running (singleton mode)`);
      }
      if (queued && live.some((h) => h.record.status === 'queued')) {
        throw new TroupeError('SINGLETON_QUEUED', `DAG ${name} is already in queue (singleton mode)`);
      }
    }
    if (queued && queues.waiting >= maxQueued) {
      throw new TroupeError('QUEUE_FULL', `the queues hold ${maxQueued} runs already; try again later`);
    }
    const labels = { ...spec.labels, ...parseLabels(opts.labels) };
    const now = isoTime(clock.now());
    const origin = operationOrigin();
    const queue = (queued && opts.queue) || spec.queue || name;
    const record: RunRecord = {
      schemaVersion: 1,
      name,
      dagRunId,
      attempt: 1,
      status: queued ? 'queued' : 'running',
      trigger: queued ? 'enqueue' : 'manual',
      params,
      queue,
      workspace: workspaceOf(labels),
      labels,
      createdAt: now,
      queuedAt: queued ? now : null,
      startedAt: queued ? null : now,
      finishedAt: null,
      steps: spec.steps.map((s) => ({ name: s.name, status: 'not_started', exitCode: null, startedAt: null, finishedAt: null, retryCount: 0 })),
      origin,
      history: [],
    };
    if (queued) record.queueSeq = ++queueSeq;
    const h: RunHandle = { key: keyOf(name, dagRunId), record, spec, lastValues: new Map() };
    // Reserved synchronously after the last check, so two concurrent starts with one id cannot both pass.
    if (handles.has(h.key)) throw new TroupeError('RUN_EXISTS', `dag-run ID ${dagRunId} already exists for DAG ${name}`, { details: { dagRunId } });
    handles.set(h.key, h);
    try {
      // The spec and the record are durable before the caller learns the run id.
      await runStore.putSpec(name, dagRunId, yaml);
      await writer.writeNow(h.key, record);
    } catch (cause) {
      handles.delete(h.key);
      throw new TroupeError('STORE_UNAVAILABLE', `cannot persist the run: ${(cause as Error).message}`, { cause });
    }
    return h;
  }

  function paramKeys(r: RunRecord): string[] {
    return Object.keys(r.params).sort();
  }

  async function start(ref: DagRef, opts: StartOptions = {}): Promise<RunRef> {
    const h = await prepare(ref, opts, false);
    queues.markRunning(h.record.queue, h.key);
    domain('dag_execute', h.record, { params_keys: paramKeys(h.record) }, h.record.origin);
    startActor(h, runInput(h, false));
    return { name: h.record.name, dagRunId: h.record.dagRunId };
  }

  async function enqueue(ref: DagRef, opts: StartOptions = {}): Promise<RunRef> {
    const h = await prepare(ref, opts, true);
    domain('dag_enqueue', h.record, { params_keys: paramKeys(h.record), queue: h.record.queue }, h.record.origin);
    startActor(h, runInput(h, true));
    await runStore.putSnapshot(snapshotKey(h.key), h.actor!.getPersistedSnapshot());
    queues.enqueue(h.record.queue, { key: h.key, seq: h.record.queueSeq! });
    queues.dispatch(h.record.queue);
    return { name: h.record.name, dagRunId: h.record.dagRunId };
  }

  async function requireRecord(name: string, dagRunId: string): Promise<RunRecord> {
    const r = await existingRecord(name, dagRunId);
    if (!r) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`);
    return r;
  }

  async function stop(name: string, dagRunId: string): Promise<void> {
    await guard();
    const r = await requireRecord(name, dagRunId);
    const h = handles.get(keyOf(name, dagRunId));
    if (r.status !== 'running' || !h?.actor) throw new TroupeError('NOT_RUNNING', 'DAG is not running');
    domain('dag_terminate', r, { terminate_mode: 'running_stop' }, operationOrigin());
    h.actor.send({ type: 'run.stop', now: clock.now() });
  }

  async function dequeue(name: string, dagRunId: string): Promise<void> {
    await guard();
    const r = await requireRecord(name, dagRunId);
    const h = handles.get(keyOf(name, dagRunId));
    if (r.status !== 'queued' || !h?.actor || !queues.remove(r.queue, h.key)) {
      throw new TroupeError('NOT_QUEUED', `dag-run ${name}:${dagRunId} is not queued`);
    }
    domain('dag_dequeue', r, {}, operationOrigin());
    h.actor.send({ type: 'run.dequeue', now: clock.now() });
  }

  async function retry(name: string, dagRunId: string, opts: RetryOptions = {}): Promise<RunRef & { attempt: number }> {
    await guard();
    if (opts.includeDownstream && !opts.stepName) throw new TroupeError('INVALID_INPUT', 'includeDownstream requires stepName', { details: { field: 'includeDownstream' } });
    const r = await requireRecord(name, dagRunId);
    if (isActiveRunStatus(r.status)) {
      throw new TroupeError('RUN_ACTIVE', `DAG-run ${name}:${dagRunId} is ${r.status === 'queued' ? 'queued' : 'active'} and cannot be retried`);
    }
    const yaml = await runStore.getSpec(name, dagRunId);
    if (yaml === undefined) throw new TroupeError('RUN_NOT_FOUND', `the spec of dag-run ${name}:${dagRunId} is missing`);
    const { spec } = dags.load(yaml, name);
    let rerun: Set<string>;
    if (opts.stepName !== undefined) {
      if (!spec.steps.some((s) => s.name === opts.stepName)) throw new TroupeError('STEP_NOT_FOUND', `step ${opts.stepName} not found in DAG ${name}`, { details: { field: 'stepName' } });
      rerun = new Set([opts.stepName, ...(opts.includeDownstream ? descendants(buildPlan(spec), opts.stepName) : [])]);
    } else {
      // Without a step, re-run every step that did not succeed; successful ones keep their results.
      rerun = new Set(r.steps.filter((s) => !s.handler && s.status !== 'succeeded').map((s) => s.name));
    }
    const preset: Record<string, RunStepState> = {};
    for (const s of r.steps) if (!s.handler && !rerun.has(s.name) && spec.steps.some((x) => x.name === s.name)) preset[s.name] = fromStepRecord(s);
    const origin = operationOrigin();
    const now = isoTime(clock.now());
    const next: RunRecord = {
      ...r,
      history: [...r.history, { attempt: r.attempt, status: r.status, trigger: r.trigger, startedAt: r.startedAt, finishedAt: r.finishedAt, ...(r.error ? { error: r.error } : {}), steps: r.steps }],
      attempt: r.attempt + 1,
      status: 'running',
      trigger: 'retry',
      startedAt: now,
      finishedAt: null,
      origin,
    };
    delete next.error;
    const h: RunHandle = { key: keyOf(name, dagRunId), record: next, spec, lastValues: new Map() };
    handles.set(h.key, h);
    await writer.writeNow(h.key, next);
    const details: Record<string, unknown> = { distributed: false, attempt: next.attempt };
    if (opts.stepName) details.step_name = opts.stepName;
    if (opts.includeDownstream) details.include_downstream = true;
    domain('dag_retry', next, details, origin);
    queues.markRunning(next.queue, h.key);
    startActor(h, runInput(h, false, preset));
    return { name, dagRunId, attempt: next.attempt };
  }

  function terminal$(name: string, dagRunId: string): Observable<RunDetails> {
    const key = keyOf(name, dagRunId);
    return defer(() =>
      merge(
        // Subscribed first, so a run ending while the record is read is not missed.
        terminal.pipe(filter((d) => keyOf(d.name, d.dagRunId) === key)),
        from(getRecord(name, dagRunId)).pipe(
          map((r) => {
            if (!r) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`);
            return r;
          }),
          filter((r) => isTerminalRunStatus(r.status)),
          map(toRunDetails),
        ),
      ).pipe(take(1)),
    );
  }

  function waitForRun(name: string, dagRunId: string, timeoutMs: number): Promise<{ details: RunDetails; timedOut: boolean }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        getRun(name, dagRunId).then((d) => (d ? resolve({ details: d, timedOut: true }) : reject(new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`))), reject);
      }, Math.max(0, timeoutMs));
      const sub = terminal$(name, dagRunId).subscribe({
        next: (details) => {
          clearTimeout(timer);
          resolve({ details, timedOut: false });
        },
        error: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  const queries = createRunQueries({ handles, runStore, dataDir });
  const { existingRecord, getRecord, getRun, listRuns, runLogs, stepLog } = queries;
  const sessionActors = createSessionActors({ clock, emit });

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    // Persist first: stopping actors kills their steps, and a record written afterwards
    // would not show what was running.
    for (const h of handles.values()) if (h.actor) writer.write(h.key, h.record);
    await writer.idle();
    for (const h of handles.values()) {
      h.actor?.stop();
      flushLog(h);
      h.log?.end();
    }
    sessionActors.stopAll();
    await writer.close();
    events.complete();
    terminal.complete();
  }

  options.observe?.(events.asObservable());

  // Recovery from a previous process life, before anyone can call in.
  queueSeq = await recoverRuns({
    runStore,
    writer,
    executor,
    clock,
    warn,
    queues,
    emit: domain,
    loadSpec: (yaml, name) => dags.load(yaml, name).spec,
    restoreQueued: (record, spec, snapshot) => {
      const h: RunHandle = { key: keyOf(record.name, record.dagRunId), record, spec, lastValues: new Map(), restoring: true };
      handles.set(h.key, h);
      startActor(h, runInput(h, true), snapshot);
      return h;
    },
  });

  return {
    listDags: dags.list,
    getDag: dags.get,
    validateDag: dags.validate,
    putDag: dags.put,
    createDag: dags.create,
    renameDag: dags.rename,
    deleteDag: dags.remove,
    start,
    enqueue,
    stop,
    retry,
    dequeue,
    getRun,
    listRuns,
    runLogs,
    stepLog,
    terminal$,
    waitForRun,
    events$: events.asObservable(),
    spawn: sessionActors.spawn as Runtime['spawn'],
    close,
  };
}
