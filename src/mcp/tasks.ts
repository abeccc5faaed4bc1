import { randomBytes } from 'node:crypto';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js';
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import { Subject } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import { TroupeError, isTroupeError, isoTime } from '../core/index.ts';
import type { Clock, Logger } from '../core/index.ts';
import type { Runtime, RunDetails } from '../actors/types.ts';
import type { AuditTrail } from '../audit/types.ts';
import { isTerminalRunStatus } from '../dag/status.ts';
import { recordMcp } from './audit.ts';
import type { McpTaskStore, TaskRecord, TaskStatus } from './task-store.ts';
import { CORRELATION_META_KEY } from './tools/result.ts';
import { runLogsUri, runUri } from './uris.ts';

/** The TTL of a task when the client asks for none (ms after it ends). @defaultValue 1 hour */
export const DEFAULT_TASK_TTL_MS = 60 * 60 * 1000;
/** The longest TTL a client may ask for. @defaultValue 24 hours */
export const MAX_TASK_TTL_MS = 24 * 60 * 60 * 1000;
/** How often a client should poll a task (ms). */
export const DEFAULT_TASK_POLL_MS = 1000;
/** How often expired tasks are pruned (clock ms); an expired task reads as not found at once. */
export const TASK_SWEEP_MS = 60 * 1000;
/** Tasks per `tasks/list` page. */
const PAGE_SIZE = 50;
/** How long the result of a cancelled task waits for its run to stop (runtime clock ms). */
const STOP_WAIT_MS = 30 * 1000;

const COMPLETED = new Set(['succeeded', 'partially_succeeded']);
const isTerminal = (s: TaskStatus): boolean => s === 'completed' || s === 'failed' || s === 'cancelled';

/** The result `tasks/result` returns: the run's terminal details, as `dagu_execute wait=true` would. */
export function terminalResult(run: RunDetails, correlationId: string): CallToolResult {
  const structured = {
    dagName: run.name,
    dagRunId: run.dagRunId,
    runUri: runUri(run.name, run.dagRunId),
    logsUri: runLogsUri(run.name, run.dagRunId),
    status: run.status,
    statusLabel: run.statusLabel,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
  return {
    ...(COMPLETED.has(run.statusLabel) ? {} : { isError: true }),
    content: [
      { type: 'text', text: `DAG-run ${run.name}/${run.dagRunId} ended: ${run.statusLabel}.` },
      { type: 'text', text: JSON.stringify(structured) },
    ],
    structuredContent: structured,
    _meta: { [CORRELATION_META_KEY]: correlationId },
  };
}

/** What a task ledger needs. */
export interface RunTasksDeps {
  runtime: Runtime;
  audit: AuditTrail;
  logger: Logger;
  /** Task timestamps, ttl expiry and the prune sweep. */
  clock: Clock;
  store: McpTaskStore;
  /** Live (working) tasks one credential may hold (`mcp.max_tasks_per_credential`). */
  maxPerOwner: number;
  /** Where the denial of a task over the limit is recorded as refused. @defaultValue '/mcp' */
  mcpPath?: string;
  /** @defaultValue {@link TASK_SWEEP_MS} */
  sweepMs?: number;
}

/**
 * One durable status of a task: its creation (`working`) and each change after it, the last
 * one terminal. `origin` is the 2025-era session whose call created the task, while the ledger
 * still knows it (not across a restart: sessions do not outlive the server).
 */
export interface TaskChange {
  readonly ownerKey: string;
  readonly origin?: string;
  readonly task: Task;
}

/** A live-task slot of one credential, held while its run is being started. */
export interface TaskSlot {
  readonly ownerKey: string;
  /** Gives the slot back (idempotent; `create` consumes it). */
  release(): void;
}

/**
 * The MCP tasks of both protocol eras, each bound to the credential that created it and
 * following one run: `working` until the run's terminal event (from `runtime.terminal$`, no
 * polling), then `completed` (succeeded, partially succeeded), `failed` (failed, rejected, or
 * the run is gone) or `cancelled` (aborted, or cancelled by the client, which stops the run).
 *
 * Every task is written through to an {@link McpTaskStore} (LevelDB in a server) and reloaded
 * at start, so an agent holding a task id keeps it across a restart; a reloaded task that was
 * still working follows its run again, and a run that ended while the server was down gives
 * its terminal status at once. The result is derived from the run's record, never stored.
 *
 * A task is kept `ttl` ms after it ended (a working task is never pruned: it still follows a
 * live run), then pruned on the injected clock. One credential holds at most `maxPerOwner`
 * working tasks; another is refused before its run starts, and the refusal is audited as
 * `mcp.request.denied` (`task_limit_reached`).
 */
export class RunTasks {
  readonly #deps: RunTasksDeps;
  readonly #records = new Map<string, TaskRecord>();
  readonly #watches = new Map<string, Subscription>();
  readonly #results = new Map<string, CallToolResult>();
  readonly #reserved = new Map<string, number>();
  /** taskId → the session that created it, until the task ends. */
  readonly #origins = new Map<string, string>();
  readonly #changes = new Subject<TaskChange>();
  /** The change being written, per task (see #update). */
  readonly #queue = new Map<string, Promise<void>>();
  readonly #ready: Promise<void>;
  #timer: unknown;
  #closed = false;

  constructor(deps: RunTasksDeps) {
    this.#deps = deps;
    this.#ready = this.#load();
    this.#ready.catch((error: unknown) => deps.logger.error('mcp tasks could not be loaded', { error }));
  }

  /** Resolves once the stored tasks are loaded (rejects if the store could not be read). */
  ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Every task status once it is durable, in order per task: `working` when the task is
   * created, then each change (exactly once; the terminal one last). What
   * `notifications/tasks/status` is derived from.
   */
  get changes$(): Observable<TaskChange> {
    return this.#changes.asObservable();
  }

  /** Tasks that still follow a run. */
  get following(): number {
    return this.#watches.size;
  }

  /** Tasks held (live and ended, not yet pruned). */
  get size(): number {
    return this.#records.size;
  }

  /** Working tasks of one credential, with the slots being filled. */
  live(ownerKey: string): number {
    let n = this.#reserved.get(ownerKey) ?? 0;
    for (const r of this.#records.values()) if (r.ownerKey === ownerKey && !isTerminal(r.status)) n++;
    return n;
  }

  /**
   * Takes one of the credential's live-task slots, before the run is started, so a refused
   * task starts nothing. Over the limit: `LIMIT_EXCEEDED`, audited as `mcp.request.denied`.
   */
  async reserve(ownerKey: string): Promise<TaskSlot> {
    await this.#ready;
    const max = this.#deps.maxPerOwner;
    if (this.live(ownerKey) >= max) {
      recordMcp(this.#deps.audit, 'mcp.request.denied', 'denied', {
        resource_type: 'mcp_request',
        resource_id: this.#deps.mcpPath ?? '/mcp',
        mcp_tool: 'dagu_execute',
        details: { denial_reason: 'task_limit_reached', mcp_action: 'create_task', task_limit: max },
      });
      throw new TroupeError('LIMIT_EXCEEDED', `Task limit reached (${max} live tasks per credential): wait for a task to end, or cancel one`, { details: { limit: max } });
    }
    this.#reserved.set(ownerKey, (this.#reserved.get(ownerKey) ?? 0) + 1);
    let held = true;
    return {
      ownerKey,
      release: () => {
        if (!held) return;
        held = false;
        const left = (this.#reserved.get(ownerKey) ?? 1) - 1;
        if (left > 0) this.#reserved.set(ownerKey, left);
        else this.#reserved.delete(ownerKey);
      },
    };
  }

  /**
   * Creates the task of a started run in a slot from {@link reserve}, and resolves once it is
   * durable. `ttl` is clamped to 1 s … {@link MAX_TASK_TTL_MS} (absent or null: the default).
   * `origin` is the 2025-era session creating it, which its {@link changes$} name.
   */
  async create(slot: TaskSlot, options: { ttl?: number | null; pollInterval?: number }, run: { name: string; dagRunId: string }, correlationId: string, origin?: string): Promise<Task> {
    const { clock, store } = this.#deps;
    const ttl = options.ttl === null || options.ttl === undefined ? DEFAULT_TASK_TTL_MS : Math.min(MAX_TASK_TTL_MS, Math.max(1000, options.ttl));
    const now = isoTime(clock.now());
    const record: TaskRecord = {
      taskId: randomBytes(16).toString('hex'),
      ownerKey: slot.ownerKey,
      name: run.name,
      dagRunId: run.dagRunId,
      correlationId,
      createdAt: now,
      lastUpdatedAt: now,
      ttlMs: ttl,
      pollIntervalMs: options.pollInterval ?? DEFAULT_TASK_POLL_MS,
      status: 'working',
    };
    try {
      await store.put(record);
    } catch (cause) {
      // The run is already going, and a task nobody can see would leave it behind: the caller
      // would start another. It is stopped, and the answer says so, or that it keeps running.
      const stopped = await this.#deps.runtime.stop(run.name, run.dagRunId).then(
        () => true,
        (error: unknown) => {
          this.#deps.logger.error('mcp task not recorded, and its run could not be stopped', { name: run.name, dagRunId: run.dagRunId, error });
          return false;
        },
      );
      this.#deps.logger.error('mcp task could not be recorded', { name: run.name, dagRunId: run.dagRunId, stopped, error: cause });
      const what = `The task could not be recorded (${(cause as Error)?.message ?? String(cause)})`;
      throw new TroupeError('STORE_UNAVAILABLE', stopped ? `${what}; its DAG-run ${run.name}/${run.dagRunId} was stopped.` : `${what}, and its DAG-run ${run.name}/${run.dagRunId} could not be stopped: it keeps running.`, {
        details: { dagName: run.name, dagRunId: run.dagRunId, runStopped: stopped, [FOR_CLIENT]: true },
        cause,
      });
    } finally {
      slot.release();
    }
    this.#records.set(record.taskId, record);
    if (origin !== undefined) this.#origins.set(record.taskId, origin);
    // Announced before the run is watched, so `working` comes first even for a run already over.
    this.#announce(record);
    this.#watch(record);
    return toTask(record);
  }

  /** The task, or null when it is unknown, expired or another credential's. */
  async get(taskId: string, ownerKey: string): Promise<Task | null> {
    await this.#ready;
    const r = this.#lookup(taskId, ownerKey);
    return r ? toTask(r) : null;
  }

  /** The run's terminal details of an ended task (a cancelled one waits for its run to stop). */
  async result(taskId: string, ownerKey: string): Promise<CallToolResult> {
    await this.#ready;
    const r = this.#lookup(taskId, ownerKey);
    if (!r) throw notFound(taskId);
    if (!isTerminal(r.status)) throw new TroupeError('CONFLICT', `Task ${taskId} has not ended yet`);
    const cached = this.#results.get(taskId);
    if (cached) return cached;
    const { runtime } = this.#deps;
    let details = await runtime.getRun(r.name, r.dagRunId);
    if (!details) throw new TroupeError('RUN_NOT_FOUND', `The DAG-run ${r.name}/${r.dagRunId} of task ${taskId} no longer exists`);
    if (!isTerminalRunStatus(details.statusLabel)) {
      const waited = await runtime.waitForRun(r.name, r.dagRunId, STOP_WAIT_MS);
      if (waited.timedOut) throw new TroupeError('CONFLICT', `The DAG-run ${r.name}/${r.dagRunId} of task ${taskId} has not stopped yet`);
      details = waited.details;
    }
    const result = terminalResult(details, r.correlationId);
    this.#results.set(taskId, result);
    return result;
  }

  /** One page of the credential's tasks, oldest first; `cursor` is the last task id of the previous page. */
  async list(ownerKey: string, cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    await this.#ready;
    const now = this.#deps.clock.now();
    const mine = [...this.#records.values()]
      .filter((r) => r.ownerKey === ownerKey && !expired(r, now))
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.taskId < b.taskId ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
    let start = 0;
    if (cursor !== undefined) {
      const at = mine.findIndex((r) => r.taskId === cursor);
      if (at < 0) throw new TroupeError('INVALID_INPUT', `Invalid cursor: ${cursor.slice(0, 64)}`);
      start = at + 1;
    }
    const page = mine.slice(start, start + PAGE_SIZE);
    const out: { tasks: Task[]; nextCursor?: string } = { tasks: page.map(toTask) };
    if (start + PAGE_SIZE < mine.length) out.nextCursor = page[page.length - 1]!.taskId;
    return out;
  }

  /**
   * Cancels a working task and stops its run (inside the cancelling request's context, which
   * the `mcp.task.cancelled` entry carries). The task is `cancelled` at once; its result is the
   * run's terminal details once the run has stopped.
   */
  async cancel(taskId: string, ownerKey: string, statusMessage = 'Cancelled by the client.'): Promise<Task> {
    await this.#ready;
    if (!this.#lookup(taskId, ownerKey)) throw notFound(taskId);
    let was: TaskStatus | undefined;
    const r = await this.#update(taskId, (current) => {
      if (isTerminal(current.status)) {
        was = current.status;
        return undefined;
      }
      return this.#ended(current, 'cancelled', statusMessage);
    });
    if (!r) throw was ? new TroupeError('CONFLICT', `Cannot cancel task in terminal status: ${was}`) : notFound(taskId);
    recordMcp(this.#deps.audit, 'mcp.task.cancelled', 'succeeded', { resource_type: 'dag_run', resource_id: `${r.name}/${r.dagRunId}`, details: { mcp_action: 'cancel_task', task_id: taskId } });
    await this.#deps.runtime.stop(r.name, r.dagRunId).catch((error: Error) => this.#deps.logger.warn('mcp task cancel could not stop the run', { taskId, error }));
    return toTask(r);
  }

  /**
   * The SDK 1.x `TaskStore` of one 2025-era session, bound to its credential rather than the
   * session (the session's id is ignored), so a task outlives its session and the server. Tasks
   * are created by the `tools/call` handler through {@link reserve} and {@link create}.
   */
  forOwner(ownerKey: string): TaskStore {
    return {
      createTask: () => Promise.reject(new McpError(ErrorCode.InternalError, 'Tasks are created by dagu_execute')),
      getTask: (taskId) => this.get(taskId, ownerKey),
      storeTaskResult: () => Promise.reject(new McpError(ErrorCode.InternalError, 'A task ends with its run')),
      getTaskResult: (taskId) => this.result(taskId, ownerKey).catch(rethrowMcp),
      updateTaskStatus: async (taskId, status, statusMessage) => {
        if (status !== 'cancelled') throw new McpError(ErrorCode.InvalidParams, `A task follows its run; it cannot be set to ${status}`);
        await this.cancel(taskId, ownerKey, statusMessage).catch(rethrowMcp);
      },
      listTasks: (cursor) => this.list(ownerKey, cursor).catch(rethrowMcp),
    };
  }

  /** Ends every run watch and the prune sweep (the store keeps the tasks for the next start). */
  close(): void {
    this.#closed = true;
    this.#deps.clock.clearTimeout(this.#timer);
    for (const sub of this.#watches.values()) sub.unsubscribe();
    this.#watches.clear();
    this.#changes.complete();
  }

  async #load(): Promise<void> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    for (const r of await store.list()) {
      if (expired(r, now)) await store.delete(r.taskId);
      else this.#records.set(r.taskId, r);
    }
    if (this.#closed) return;
    for (const r of this.#records.values()) if (!isTerminal(r.status)) this.#watch(r);
    this.#schedule();
  }

  #lookup(taskId: string, ownerKey: string): TaskRecord | undefined {
    const r = this.#records.get(taskId);
    // Another credential's task id reads as unknown.
    if (!r || r.ownerKey !== ownerKey) return undefined;
    if (expired(r, this.#deps.clock.now())) {
      void this.#prune(r);
      return undefined;
    }
    return r;
  }

  #watch(r: TaskRecord): void {
    if (this.#closed) return;
    const sub = this.#deps.runtime.terminal$(r.name, r.dagRunId).subscribe({
      next: (details) => void this.#runEnded(r.taskId, details),
      error: (error: unknown) => void this.#lost(r.taskId, error),
    });
    if (!sub.closed) this.#watches.set(r.taskId, sub);
  }

  async #runEnded(taskId: string, run: RunDetails): Promise<void> {
    this.#watches.delete(taskId);
    const r = this.#records.get(taskId);
    if (!r) return;
    this.#results.set(taskId, terminalResult(run, r.correlationId));
    await this.#update(taskId, (current) => {
      if (isTerminal(current.status)) return undefined; // cancelled by the client: the run's end only brings the result
      if (run.statusLabel === 'aborted') return this.#ended(current, 'cancelled', 'The DAG-run was aborted.');
      return this.#ended(current, COMPLETED.has(run.statusLabel) ? 'completed' : 'failed', `DAG-run ${run.name}/${run.dagRunId} ended: ${run.statusLabel}.`);
    }).catch((error: unknown) => this.#deps.logger.error('mcp task could not be saved', { taskId, error }));
  }

  async #lost(taskId: string, error: unknown): Promise<void> {
    this.#watches.delete(taskId);
    if (!(isTroupeError(error) && error.code === 'RUN_NOT_FOUND')) {
      this.#deps.logger.warn('mcp task lost its run', { taskId, error });
      return;
    }
    await this.#update(taskId, (current) => (isTerminal(current.status) ? undefined : this.#ended(current, 'failed', `The DAG-run ${current.name}/${current.dagRunId} no longer exists.`))).catch(
      (e: unknown) => this.#deps.logger.error('mcp task could not be saved', { taskId, error: e }),
    );
  }

  /** `r` ended now with `status`. */
  #ended(r: TaskRecord, status: TaskStatus, statusMessage: string): TaskRecord {
    const now = this.#deps.clock.now();
    return { ...r, status, statusMessage, endedAt: now, lastUpdatedAt: isoTime(now) };
  }

  /**
   * Changes one task, one change at a time per task: `change` sees the current record and
   * returns the next (or undefined for none); the next record is shown only once it is
   * durable, so no client reads a status a crash would take back.
   */
  #update(taskId: string, change: (r: TaskRecord) => TaskRecord | undefined): Promise<TaskRecord | undefined> {
    const next = (this.#queue.get(taskId) ?? Promise.resolve()).then(async () => {
      const r = this.#records.get(taskId);
      const updated = r && change(r);
      if (!r || !updated) return undefined;
      await this.#deps.store.put(updated);
      // Only ended tasks are pruned and an ended task never changes, so `r` is still current.
      if (this.#records.get(taskId) !== r) return updated;
      this.#records.set(taskId, updated);
      this.#announce(updated);
      return updated;
    });
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.#queue.set(taskId, tail);
    void tail.then(() => {
      if (this.#queue.get(taskId) === tail) this.#queue.delete(taskId);
    });
    return next;
  }

  /** Publishes a durable status (subscribers handle their own failures: rxjs rethrows them out of band). */
  #announce(r: TaskRecord): void {
    const origin = this.#origins.get(r.taskId);
    if (isTerminal(r.status)) this.#origins.delete(r.taskId); // an ended task never changes again
    this.#changes.next(origin === undefined ? { ownerKey: r.ownerKey, task: toTask(r) } : { ownerKey: r.ownerKey, origin, task: toTask(r) });
  }

  async #prune(r: TaskRecord): Promise<void> {
    if (this.#records.get(r.taskId) !== r) return;
    this.#records.delete(r.taskId);
    this.#results.delete(r.taskId);
    this.#origins.delete(r.taskId);
    this.#watches.get(r.taskId)?.unsubscribe();
    this.#watches.delete(r.taskId);
    await this.#deps.store.delete(r.taskId).catch((error: unknown) => this.#deps.logger.error('mcp task could not be pruned', { taskId: r.taskId, error }));
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#deps.clock.setTimeout(() => void this.#sweep(), this.#deps.sweepMs ?? TASK_SWEEP_MS);
    (this.#timer as { unref?: () => void } | undefined)?.unref?.();
  }

  async #sweep(): Promise<void> {
    const now = this.#deps.clock.now();
    await Promise.all([...this.#records.values()].filter((r) => expired(r, now)).map((r) => this.#prune(r)));
    this.#schedule();
  }
}

/** An ended task's retention has passed. */
function expired(r: TaskRecord, now: number): boolean {
  return r.ttlMs !== null && r.endedAt !== undefined && now >= r.endedAt + r.ttlMs;
}

function toTask(r: TaskRecord): Task {
  const task: Task = { taskId: r.taskId, status: r.status, ttl: r.ttlMs, createdAt: r.createdAt, lastUpdatedAt: r.lastUpdatedAt, pollInterval: r.pollIntervalMs };
  if (r.statusMessage !== undefined) task.statusMessage = r.statusMessage;
  return task;
}

const notFound = (taskId: string) => new TroupeError('NOT_FOUND', `Task not found: ${taskId.slice(0, 64)}`);

/** JSON-RPC code of a ledger failure, for both eras: a refusal over the limit is an Invalid Request. */
export function taskErrorCode(error: TroupeError): number {
  if (error.code === 'LIMIT_EXCEEDED') return ErrorCode.InvalidRequest;
  if (error.code === 'NOT_FOUND' || error.code === 'RUN_NOT_FOUND' || error.code === 'CONFLICT' || error.code === 'INVALID_INPUT') return ErrorCode.InvalidParams;
  return ErrorCode.InternalError;
}

/** Marks an internal failure whose message and details were written for the client. */
const FOR_CLIENT = 'forClient';

/**
 * What a client is told of a ledger failure: its message and details, except for internal
 * errors, which say only that they happened, unless they were written for the client (a task
 * that could not be recorded names its run, and whether the run was stopped).
 */
export function clientError(error: TroupeError): { code: number; message: string; data?: Record<string, unknown> } {
  const code = taskErrorCode(error);
  if (code !== ErrorCode.InternalError) return { code, message: error.message, data: error.details };
  if (error.details[FOR_CLIENT] !== true) return { code, message: 'Internal MCP error.' };
  const { [FOR_CLIENT]: _marker, ...data } = error.details;
  return { code, message: error.message, data };
}

/** Translates a ledger failure into the SDK 1.x error (once, at the 2025-era edge). */
export function rethrowMcp(error: unknown): never {
  if (isTroupeError(error)) {
    const e = clientError(error);
    throw new McpError(e.code, e.message, e.data);
  }
  throw error;
}
