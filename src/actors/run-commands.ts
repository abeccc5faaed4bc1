import { TroupeError, dagNameProblem, isTroupeError, isoTime, runIdProblem, uuidv7 } from '../core/index.ts';
import type { Clock, Logger, OperationOrigin } from '../core/index.ts';
import { buildPlan, descendants, parseParamsOverride, resolveRunParams, workspaceOf } from '../dag/index.ts';
import { paramEvaluator } from './param-eval.ts';
import { isActiveRunStatus } from '../dag/status.ts';
import type { DagSpec } from '../dag/types.ts';
import type { RunInput, RunStepState } from '../machines/index.ts';
import type { createDagService } from './dag-service.ts';
import type { EventBus } from './event-bus.ts';
import type { DomainAction } from './events.ts';
import { operationOrigin } from './operation-origin.ts';
import { parseLabels } from './parse-labels.ts';
import type { RunStore } from './ports.ts';
import type { QueueManager } from './queue-manager.ts';
import type { RecordWriter } from './record-writer.ts';
import { keyOf, newHandle, snapshotKey } from './run-handle.ts';
import type { RunHandle } from './run-handle.ts';
import type { createRunQueries } from './run-queries.ts';
import { fromStepRecord } from './run-record.ts';
import type { DagRef, RetryOptions, RunRecord, RunRef, StartOptions, StepRecord } from './types.ts';

/** What the commands share with the rest of the runtime. */
export interface RuntimeCore {
  clock: Clock;
  logger: Logger;
  bus: EventBus;
  writer: RecordWriter;
  runStore: RunStore;
  dags: ReturnType<typeof createDagService>;
  queues: QueueManager;
  handles: Map<string, RunHandle>;
  queries: ReturnType<typeof createRunQueries>;
  maxQueued: number;
  /** The server's environment: `params[].eval` falls back to it. */
  baseEnv: Record<string, string>;
  /** Refuses when shutting down or when the gate (fail_closed) says so. */
  guard(): Promise<void>;
  /** Delivers what was published and waits until it is durable (the audit trail). */
  durable(): Promise<void>;
  publishDomain(action: DomainAction, record: Pick<RunRecord, 'name' | 'dagRunId' | 'workspace'>, details: Record<string, unknown>, origin: OperationOrigin): void;
  runInput(h: RunHandle, queued: boolean, preset?: Record<string, RunStepState>): RunInput;
  startActor(h: RunHandle, input: RunInput, snapshot?: unknown): void;
  /** The last enqueue sequence number handed out. */
  queueSeq: number;
  /** Drops a pending automatic retry (DAG `retry_policy`) of a run; true when there was one. */
  cancelAutoRetry?(name: string, dagRunId: string): boolean;
}

/** The error a refused call answers with when its entry could not be made durable. */
function refusal(cause: unknown): TroupeError {
  if (isTroupeError(cause)) return cause;
  return new TroupeError('AUDIT_UNAVAILABLE', `the audit trail cannot record this change, so it was not made: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/**
 * The run commands: start, enqueue, stop, dequeue, retry. Each checks, publishes the call's
 * fact (`dag_execute`, ...) on the backbone, and answers only once that fact is durable
 * (`core.durable`); when it cannot be made durable the change is refused and not made.
 */
export function createRunCommands(core: RuntimeCore) {
  const { clock, writer, runStore, dags, queues, handles, queries } = core;

  async function requireRecord(name: string, dagRunId: string): Promise<RunRecord> {
    const r = await queries.existingRecord(name, dagRunId);
    if (!r) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`);
    return r;
  }

  function liveRuns(name: string): RunHandle[] {
    return [...handles.values()].filter((h) => h.record.name === name && h.actor !== undefined);
  }

  async function prepare(ref: DagRef, opts: StartOptions, queued: boolean, link?: ChildLink): Promise<RunHandle> {
    await core.guard();
    const { spec, yaml } = link?.resolved ?? (await dags.resolve(ref));
    const override = opts.params === undefined ? {} : parseParamsOverride(opts.params);
    const params = await resolveRunParams(spec.params, override, paramEvaluator(spec, core.baseEnv));
    let dagRunId: string;
    if (opts.dagRunId !== undefined) {
      const problem = typeof opts.dagRunId === 'string' ? runIdProblem(opts.dagRunId) : 'dag-run ID must be a string';
      if (problem) throw new TroupeError('INVALID_INPUT', problem, { details: { field: 'dagRunId' } });
      dagRunId = opts.dagRunId;
    } else dagRunId = uuidv7(clock.now());
    const name = spec.name;
    if (await queries.existingRecord(name, dagRunId)) {
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
    if (queued && queues.waiting >= core.maxQueued) {
      throw new TroupeError('QUEUE_FULL', `the queues hold ${core.maxQueued} runs already; try again later`);
    }
    const labels = { ...spec.labels, ...parseLabels(opts.labels) };
    const now = isoTime(clock.now());
    const origin = link?.origin ?? operationOrigin();
    const queue = (queued && opts.queue) || spec.queue || name;
    const record: RunRecord = {
      schemaVersion: 1,
      name,
      dagRunId,
      attempt: 1,
      status: queued ? 'queued' : 'running',
      trigger: link ? 'subdag' : queued ? 'enqueue' : 'manual',
      params,
      queue,
      workspace: workspaceOf(labels),
      labels,
      createdAt: now,
      queuedAt: queued ? now : null,
      startedAt: queued ? null : now,
      finishedAt: null,
      steps: spec.steps.map(freshStep),
      origin,
      history: [],
    };
    if (queued) record.queueSeq = ++core.queueSeq;
    if (link) {
      record.parent = link.parent;
      record.root = link.root;
      if (spec.document !== undefined) record.document = spec.document;
    }
    const h = newHandle(record, spec);
    if (opts.scheduledAt !== undefined) {
      // A scheduled run (the scheduler's enqueue): its trigger and fire time.
      h.record.trigger = 'scheduler';
      h.record.scheduledAt = isoTime(opts.scheduledAt);
    }
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

  /** A run that was refused before it started: it stays on record, failed, with the reason. */
  async function refuse(h: RunHandle, cause: unknown): Promise<never> {
    const error = refusal(cause);
    h.actor?.stop();
    h.actor = undefined;
    queues.finished(h.record.queue, h.key);
    h.record.status = 'failed';
    h.record.error = `refused: ${error.message}`;
    h.record.finishedAt = isoTime(clock.now());
    await writer.writeNow(h.key, h.record).catch((e: Error) => core.logger.warn('cannot persist a refused run', { run: h.key, error: e }));
    if (handles.get(h.key) === h) handles.delete(h.key);
    throw error;
  }

  const paramKeys = (r: RunRecord) => Object.keys(r.params).sort();

  const linkDetails = (r: RunRecord): Record<string, unknown> => (r.parent ? { parent_dag_run: `${r.parent.name}/${r.parent.dagRunId}`, parent_step: r.parent.step, root_dag_run: `${r.root!.name}/${r.root!.dagRunId}` } : {});

  async function start(ref: DagRef, opts: StartOptions = {}, link?: ChildLink): Promise<RunRef> {
    const h = await prepare(ref, opts, false, link);
    queues.markRunning(h.record.queue, h.key);
    core.publishDomain('dag_execute', h.record, { params_keys: paramKeys(h.record), ...linkDetails(h.record) }, h.record.origin);
    try {
      await core.durable();
    } catch (cause) {
      return refuse(h, cause);
    }
    core.startActor(h, core.runInput(h, false));
    return { name: h.record.name, dagRunId: h.record.dagRunId };
  }

  async function enqueue(ref: DagRef, opts: StartOptions = {}, link?: ChildLink): Promise<RunRef> {
    const h = await prepare(ref, opts, true, link);
    core.publishDomain('dag_enqueue', h.record, { params_keys: paramKeys(h.record), queue: h.record.queue, ...linkDetails(h.record) }, h.record.origin);
    // The actor starts in `queued` (it emits run.queued); its snapshot lets a restart restore it.
    core.startActor(h, core.runInput(h, true));
    try {
      await runStore.putSnapshot(snapshotKey(h.key), h.actor!.getPersistedSnapshot());
      await core.durable();
    } catch (cause) {
      return refuse(h, cause);
    }
    queues.enqueue(h.record.queue, { key: h.key, seq: h.record.queueSeq! });
    queues.dispatch(h.record.queue);
    return { name: h.record.name, dagRunId: h.record.dagRunId };
  }

  async function stop(name: string, dagRunId: string): Promise<void> {
    await core.guard();
    const r = await requireRecord(name, dagRunId);
    const h = handles.get(keyOf(name, dagRunId));
    if ((r.status !== 'running' || !h?.actor) && core.cancelAutoRetry?.(name, dagRunId)) {
      // A failed run waiting for its automatic retry: the stop cancels the retries.
      core.publishDomain('dag_terminate', r, { terminate_mode: 'cancel_auto_retry' }, operationOrigin());
      await core.durable().catch((cause: unknown) => {
        throw refusal(cause);
      });
      r.autoRetryStopped = true;
      await writer.writeNow(keyOf(name, dagRunId), r);
      return;
    }
    if (r.status !== 'running' || !h?.actor) throw new TroupeError('NOT_RUNNING', 'DAG is not running');
    core.publishDomain('dag_terminate', r, { terminate_mode: 'running_stop' }, operationOrigin());
    await core.durable().catch((cause: unknown) => {
      throw refusal(cause);
    });
    h.actor?.send({ type: 'run.stop', now: clock.now() });
  }

  async function dequeue(name: string, dagRunId: string): Promise<void> {
    await core.guard();
    const r = await requireRecord(name, dagRunId);
    const h = handles.get(keyOf(name, dagRunId));
    if (r.status !== 'queued' || !h?.actor || !queues.remove(r.queue, h.key)) {
      throw new TroupeError('NOT_QUEUED', `dag-run ${name}:${dagRunId} is not queued`);
    }
    core.publishDomain('dag_dequeue', r, {}, operationOrigin());
    try {
      await core.durable();
    } catch (cause) {
      // Refused: the run keeps its place.
      queues.enqueue(r.queue, { key: h.key, seq: r.queueSeq ?? 0 });
      queues.dispatch(r.queue);
      throw refusal(cause);
    }
    h.actor?.send({ type: 'run.dequeue', now: clock.now() });
  }

  async function retry(name: string, dagRunId: string, opts: RetryOptions = {}, as?: OperationOrigin): Promise<RunRef & { attempt: number }> {
    await core.guard();
    if (opts.includeDownstream && !opts.stepName) throw new TroupeError('INVALID_INPUT', 'includeDownstream requires stepName', { details: { field: 'includeDownstream' } });
    const r = await requireRecord(name, dagRunId);
    if (isActiveRunStatus(r.status) || handles.get(keyOf(name, dagRunId))?.actor) {
      throw new TroupeError('RUN_ACTIVE', `DAG-run ${name}:${dagRunId} is ${r.status === 'queued' ? 'queued' : 'active'} and cannot be retried`);
    }
    const yaml = await runStore.getSpec(name, dagRunId);
    if (yaml === undefined) throw new TroupeError('RUN_NOT_FOUND', `the spec of dag-run ${name}:${dagRunId} is missing`);
    const { spec } = dags.load(yaml, r.document !== undefined ? undefined : name, r.document);
    let rerun: Set<string>;
    if (opts.stepName !== undefined) {
      if (!spec.steps.some((s) => s.name === opts.stepName)) throw new TroupeError('STEP_NOT_FOUND', `step ${opts.stepName} not found in DAG ${name}`, { details: { field: 'stepName' } });
      rerun = new Set([opts.stepName, ...(opts.includeDownstream ? descendants(buildPlan(spec), opts.stepName) : [])]);
    } else {
      // Without a step, re-run every step that did not succeed; successful ones keep their results.
      rerun = new Set(r.steps.filter((s) => !s.handler && s.status !== 'succeeded').map((s) => s.name));
    }
    const preset: Record<string, RunStepState> = {};
    const kept = new Map<string, StepRecord>();
    for (const s of r.steps) {
      if (!s.handler && !rerun.has(s.name) && spec.steps.some((x) => x.name === s.name)) {
        preset[s.name] = fromStepRecord(s, spec.steps.find((x) => x.name === s.name));
        kept.set(s.name, s);
      }
    }
    const origin = as ?? operationOrigin();
    const now = isoTime(clock.now());
    const next: RunRecord = {
      ...r,
      history: [...r.history, { attempt: r.attempt, status: r.status, trigger: r.trigger, startedAt: r.startedAt, finishedAt: r.finishedAt, ...(r.error ? { error: r.error } : {}), ...(r.skippedHandler ? { skippedHandler: r.skippedHandler } : {}), steps: r.steps }],
      attempt: r.attempt + 1,
      status: 'running',
      trigger: 'retry',
      startedAt: now,
      finishedAt: null,
      // Fresh entries: the new attempt's steps are updated in place, the history's never.
      steps: spec.steps.map((s) => (kept.has(s.name) ? { ...kept.get(s.name)! } : freshStep(s))),
      origin,
    };
    delete next.error;
    delete next.skippedHandler;
    // Only the scheduler's automatic retries (DAG retry_policy) retry as source=scheduler.
    if (next.origin.source === 'scheduler') next.autoRetries = (r.autoRetries ?? 0) + 1;
    const h = newHandle(next, spec);
    handles.set(h.key, h);
    const details: Record<string, unknown> = { distributed: false, attempt: next.attempt, ...linkDetails(next) };
    if (opts.stepName) details.step_name = opts.stepName;
    if (opts.includeDownstream) details.include_downstream = true;
    core.publishDomain('dag_retry', next, details, origin);
    try {
      await core.durable();
      await writer.writeNow(h.key, next);
    } catch (cause) {
      // Refused: the run stays as it was.
      if (handles.get(h.key) === h) handles.delete(h.key);
      throw refusal(cause);
    }
    queues.markRunning(next.queue, h.key);
    core.startActor(h, core.runInput(h, false, preset));
    return { name, dagRunId, attempt: next.attempt };
  }

  /**
   * Starts a sub-DAG run for a parent's step (§13): a new run with the parent's origin (its
   * correlation id flows down), linked to its parent and root; a run under that id that has
   * ended is retried instead (a retried parent re-runs its child), one still active is
   * attached to. Resolves with the attempt to wait for.
   */
  async function startChild(req: ChildRunRequest): Promise<RunRef & { attempt: number; attached: boolean }> {
    const parent = handles.get(keyOf(req.parent.name, req.parent.dagRunId));
    if (!parent) throw new TroupeError('RUN_NOT_FOUND', `the parent run ${req.parent.name}/${req.parent.dagRunId} is not live`);
    let depth = 0;
    for (let p: RunHandle | undefined = parent; p?.record.parent; p = handles.get(keyOf(p.record.parent.name, p.record.parent.dagRunId))) {
      if (++depth >= MAX_SUB_DAG_DEPTH) throw new TroupeError('INVALID_INPUT', `sub-DAG calls nest more than ${MAX_SUB_DAG_DEPTH} deep (does ${req.dag} call itself?)`);
    }
    const origin = parent.record.origin;
    const local = parent.spec.localDags?.includes(req.dag) === true;
    const problem = dagNameProblem(req.dag);
    if (problem) throw new TroupeError('INVALID_INPUT', `${problem}: ${JSON.stringify(req.dag)}`);
    const existing = await queries.existingRecord(req.dag, req.dagRunId);
    if (existing) {
      if (isActiveRunStatus(existing.status) || handles.get(keyOf(req.dag, req.dagRunId))?.actor) return { name: req.dag, dagRunId: req.dagRunId, attempt: existing.attempt, attached: true };
      if (req.mode === 'enqueue') return { name: req.dag, dagRunId: req.dagRunId, attempt: existing.attempt, attached: true };
      const r = await retry(req.dag, req.dagRunId, {}, origin);
      return { ...r, attached: false };
    }
    let resolved: { spec: DagSpec; yaml: string };
    if (local) {
      const yaml = await runStore.getSpec(req.parent.name, req.parent.dagRunId);
      if (yaml === undefined) throw new TroupeError('RUN_NOT_FOUND', `the spec of dag-run ${req.parent.name}:${req.parent.dagRunId} is missing`);
      resolved = { spec: dags.load(yaml, undefined, req.dag).spec, yaml };
    } else resolved = await dags.resolve({ name: req.dag });
    const link: ChildLink = {
      resolved,
      origin,
      parent: { ...req.parent },
      root: parent.record.root ?? { name: parent.record.name, dagRunId: parent.record.dagRunId },
    };
    const opts: StartOptions = { params: req.params, dagRunId: req.dagRunId };
    if (req.mode === 'enqueue') {
      if (req.queue !== undefined) opts.queue = req.queue;
      return { ...(await enqueue({ name: req.dag }, opts, link)), attempt: 1, attached: false };
    }
    return { ...(await start({ name: req.dag }, opts, link)), attempt: 1, attached: false };
  }

  /** Stops a sub-DAG run because its parent step stops (no call of its own: the parent's stop is audited). */
  function stopChild(name: string, dagRunId: string): void {
    const h = handles.get(keyOf(name, dagRunId));
    if (!h?.actor) return;
    if (h.record.status === 'queued') {
      if (queues.remove(h.record.queue, h.key)) h.actor.send({ type: 'run.dequeue', now: clock.now() });
    } else h.actor.send({ type: 'run.stop', now: clock.now(), reason: 'stopped with its parent run' });
  }

  return { start: (ref: DagRef, opts?: StartOptions) => start(ref, opts), enqueue: (ref: DagRef, opts?: StartOptions) => enqueue(ref, opts), stop, dequeue, retry: (name: string, dagRunId: string, opts?: RetryOptions) => retry(name, dagRunId, opts), startChild, stopChild };
}

/** Sub-DAG calls nest at most this deep (a DAG calling itself would never end). */
export const MAX_SUB_DAG_DEPTH = 16;

/** What a child run is started with, beyond its DAG and params. */
interface ChildLink {
  resolved: { spec: DagSpec; yaml: string };
  origin: OperationOrigin;
  parent: RunRecord['parent'] & {};
  root: NonNullable<RunRecord['root']>;
}

/** A sub-DAG run a parent step asks for. */
export interface ChildRunRequest {
  parent: { name: string; dagRunId: string; step: string };
  dag: string;
  params: string | Record<string, string>;
  /** Deterministic per parent run, step and (target, params): a retried parent finds its child again. */
  dagRunId: string;
  mode: 'run' | 'enqueue';
  queue?: string;
}

function freshStep(s: { name: string }): StepRecord {
  return { name: s.name, status: 'not_started', exitCode: null, startedAt: null, finishedAt: null, retryCount: 0 };
}
