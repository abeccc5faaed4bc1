import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { CallToolResult, Request, RequestId, Result, Task } from '@modelcontextprotocol/sdk/types.js';
import type { CreateTaskOptions } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { Subscription } from 'rxjs';
import type { Logger } from '../core/index.ts';
import type { Runtime, RunDetails } from '../actors/types.ts';
import type { AuditTrail } from '../audit/types.ts';
import { recordMcp } from './audit.ts';
import { CORRELATION_META_KEY } from './tools/result.ts';
import { runLogsUri, runUri } from './uris.ts';

/** The TTL of a task when the client asks for none (ms after it ends). @defaultValue 1 hour */
export const DEFAULT_TASK_TTL_MS = 60 * 60 * 1000;
/** The longest TTL a client may ask for. @defaultValue 24 hours */
export const MAX_TASK_TTL_MS = 24 * 60 * 60 * 1000;

interface Followed {
  name: string;
  dagRunId: string;
  correlationId: string;
  sessionId: string | undefined;
  subscription?: Subscription;
  /** The run's terminal result, also for tasks that ended `cancelled` (the SDK keeps none for them). */
  result?: CallToolResult;
  /** Set while the task is cancelled by the client, so the run's `aborted` end is expected. */
  cancelling?: boolean;
}

const COMPLETED = new Set(['succeeded', 'partially_succeeded']);

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

/**
 * MCP Tasks (2025-11-25, `tasks/*`) for long runs: a `dagu_execute` start or enqueue called as
 * a task returns at once, and the task follows the run: `working` until the run's terminal
 * event (from `runtime.terminal$`, no polling), then `completed` (succeeded, partially
 * succeeded), `failed` (failed, rejected) or `cancelled` (aborted). `tasks/result` answers the
 * run's terminal details. Cancelling the task stops the run. The SDK's in-memory store keeps
 * the tasks and binds each to the session that created it; this subclass links them to runs.
 */
export class RunTaskStore extends InMemoryTaskStore {
  readonly #runtime: Runtime;
  readonly #audit: AuditTrail;
  readonly #logger: Logger;
  readonly #followed = new Map<string, Followed>();

  constructor(runtime: Runtime, audit: AuditTrail, logger: Logger) {
    super();
    this.#runtime = runtime;
    this.#audit = audit;
    this.#logger = logger;
  }

  /** Tasks that still follow a run. */
  get following(): number {
    let n = 0;
    for (const f of this.#followed.values()) if (f.subscription && !f.subscription.closed) n++;
    return n;
  }

  override async createTask(params: CreateTaskOptions, requestId: RequestId, request: Request, sessionId?: string): Promise<Task> {
    const ttl = params.ttl === null || params.ttl === undefined ? DEFAULT_TASK_TTL_MS : Math.min(MAX_TASK_TTL_MS, Math.max(1000, params.ttl));
    return super.createTask({ ...params, ttl, pollInterval: params.pollInterval ?? 1000 }, requestId, request, sessionId);
  }

  /** Makes task `taskId` follow run `name/dagRunId` until it ends. */
  follow(taskId: string, sessionId: string | undefined, run: { name: string; dagRunId: string }, correlationId: string): void {
    const f: Followed = { ...run, correlationId, sessionId };
    this.#followed.set(taskId, f);
    f.subscription = this.#runtime.terminal$(run.name, run.dagRunId).subscribe({
      next: (details) => void this.#ended(taskId, f, details),
      error: (e) => this.#logger.warn('mcp task lost its run', { taskId, error: e }),
    });
  }

  async #ended(taskId: string, f: Followed, run: RunDetails): Promise<void> {
    f.result = terminalResult(run, f.correlationId);
    try {
      const task = await this.getTask(taskId, f.sessionId);
      // Forget the link once the SDK has dropped the task (its TTL runs from the end).
      setTimeout(() => this.#followed.delete(taskId), (task?.ttl ?? DEFAULT_TASK_TTL_MS) + 1000).unref();
      if (!task || task.status === 'cancelled' || task.status === 'completed' || task.status === 'failed') return;
      if (run.statusLabel === 'aborted') await super.updateTaskStatus(taskId, 'cancelled', 'The DAG-run was aborted.', f.sessionId);
      else await this.storeTaskResult(taskId, COMPLETED.has(run.statusLabel) ? 'completed' : 'failed', f.result, f.sessionId);
    } catch (error) {
      this.#logger.warn('mcp task update failed', { taskId, error });
    }
  }

  override async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    const f = this.#followed.get(taskId);
    if (status !== 'cancelled' || !f || f.result) return;
    // `tasks/cancel` (this runs inside the cancelling request's context): stop the run.
    f.cancelling = true;
    recordMcp(this.#audit, 'mcp.task.cancelled', 'succeeded', { resource_type: 'dag_run', resource_id: `${f.name}/${f.dagRunId}`, details: { mcp_action: 'cancel_task', task_id: taskId } });
    await this.#runtime.stop(f.name, f.dagRunId).catch((error: Error) => this.#logger.warn('mcp task cancel could not stop the run', { taskId, error }));
  }

  override async getTaskResult(taskId: string, sessionId?: string): Promise<Result> {
    try {
      return await super.getTaskResult(taskId, sessionId);
    } catch (error) {
      // A cancelled task has no stored result; its run's terminal details stand in.
      const f = this.#followed.get(taskId);
      if (f?.result && (await this.getTask(taskId, sessionId))) return f.result;
      throw error;
    }
  }

  /** Ends every run watch and the store's TTL timers. */
  close(): void {
    for (const f of this.#followed.values()) f.subscription?.unsubscribe();
    this.#followed.clear();
    this.cleanup();
  }
}
