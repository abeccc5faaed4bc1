import { ProtocolError } from '@modelcontextprotocol/server';
import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { isTroupeError } from '../core/index.ts';
import type { McpSurface } from './surface.ts';
import { DEFAULT_TASK_TTL_MS, clientError } from './tasks.ts';
import type { RunTasks } from './tasks.ts';
import { CORRELATION_META_KEY } from './tools/result.ts';

/** The identifier of the MCP Tasks extension (SEP-2663), the 2026-07-28 home of tasks. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** JSON-RPC code of "Missing required client capability" (2026-07-28). */
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;

/** How often a client should poll `tasks/get` (ms). */
const POLL_INTERVAL_MS = 1000;

/** True when a request's `_meta` envelope declares the Tasks extension among its client capabilities. */
export function declaresTasks(meta: Record<string, unknown> | undefined): boolean {
  const caps = meta?.['io.modelcontextprotocol/clientCapabilities'] as { extensions?: Record<string, unknown> } | undefined;
  const ext = caps?.extensions?.[TASKS_EXTENSION];
  return typeof ext === 'object' && ext !== null && !Array.isArray(ext);
}

/** Whether a `tools/call` may become a task: `dagu_execute` with action start or enqueue. */
export function isTaskableCall(params: { name?: unknown; arguments?: unknown } | undefined): boolean {
  if (params?.name !== 'dagu_execute') return false;
  const args = params.arguments as { action?: unknown } | undefined;
  const action = typeof args?.action === 'string' ? args.action.trim() : '';
  return action === 'start' || action === 'enqueue';
}

/** `params` of `tasks/get`, `tasks/cancel` and `tasks/update`. */
export const TaskIdParams = z.looseObject({ taskId: z.string().min(1).max(256) });

const missingCapability = () =>
  new ProtocolError(MISSING_REQUIRED_CLIENT_CAPABILITY, 'Missing required client capability', { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });

const notFound = () => new ProtocolError(-32602, 'Failed to retrieve task: Task not found');

/** Translates a ledger failure into the SDK 2.x error (once, at the 2026-07-28 edge). */
function rethrowProtocol(error: unknown): never {
  if (isTroupeError(error)) {
    const e = clientError(error);
    throw new ProtocolError(e.code, e.message, e.data);
  }
  throw error;
}

/** A task as 2026-07-28 shows it (`ttlMs`, `pollIntervalMs`; no `ttl`/`pollInterval`). */
interface WireTask {
  taskId: string;
  status: Task['status'];
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number | null;
  pollIntervalMs?: number;
}

function wire(task: Task): WireTask {
  const out: WireTask = { taskId: task.taskId, status: task.status, createdAt: task.createdAt, lastUpdatedAt: task.lastUpdatedAt, ttlMs: task.ttl ?? null };
  if (task.statusMessage !== undefined) out.statusMessage = task.statusMessage;
  if (task.pollInterval !== undefined) out.pollIntervalMs = task.pollInterval;
  return out;
}

/**
 * MCP Tasks in the 2026-07-28 era, as the Tasks extension (`io.modelcontextprotocol/tasks`)
 * defines them: when a `dagu_execute` start or enqueue arrives from a client that declares the
 * extension in its request's capabilities, the server answers with a task handle
 * (`resultType: "task"`) at once; `tasks/get` shows the task with the run's terminal details
 * inlined once it ended; `tasks/cancel` stops the run; `tasks/update` is acknowledged (a run
 * never asks the client for input). The tasks are those of {@link RunTasks}, the ledger the
 * 2025 era uses too (durable, bounded per credential), bound to the credential, so no other
 * credential can see or cancel them.
 *
 * The extension keeps `failed` for JSON-RPC errors only: a run that fails is a `completed`
 * task whose result has `isError: true` and `statusLabel: "failed"` (2025-11-25 calls that
 * `failed`); an aborted run is `cancelled`.
 */
export class ModernTasks {
  readonly #store: RunTasks;

  constructor(store: RunTasks) {
    this.#store = store;
  }

  /** Tasks that still follow a run. */
  get following(): number {
    return this.#store.following;
  }

  /**
   * Starts the run of a taskable `tools/call` and answers with its task. A call that cannot
   * start a run (bad input, denied, unknown DAG) answers its tool error as usual.
   */
  async start(params: Record<string, unknown>, surface: McpSurface, subjectKey: string): Promise<CallToolResult | Record<string, unknown>> {
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    // A credential over its live-task limit is refused before a run starts.
    const slot = await this.#store.reserve(subjectKey).catch(rethrowProtocol);
    try {
      const started = await surface['tools/call']({ ...params, arguments: { ...args, wait: false } });
      if (started.isError) return started;
      const out = started.structuredContent as { dagName: string; dagRunId: string };
      const created = await this.#store
        .create(slot, { ttl: DEFAULT_TASK_TTL_MS, pollInterval: POLL_INTERVAL_MS }, { name: out.dagName, dagRunId: out.dagRunId }, String(started._meta?.[CORRELATION_META_KEY] ?? ''))
        .catch(rethrowProtocol);
      return { resultType: 'task', ...wire(created), statusMessage: `DAG-run ${out.dagName}/${out.dagRunId} is ${args.action === 'enqueue' ? 'queued' : 'running'}.` };
    } finally {
      slot.release();
    }
  }

  /** `tasks/get`: the task, with the run's terminal result inlined once it ended. */
  async get(taskId: string, subjectKey: string, declared: boolean): Promise<Record<string, unknown>> {
    if (!declared) throw missingCapability();
    const task = await this.#store.get(taskId, subjectKey);
    if (!task) throw notFound();
    const out: Record<string, unknown> = { ...wire(task) };
    if (task.status === 'completed' || task.status === 'failed') {
      // A run's failure is a tool result, not a JSON-RPC error: `completed`, with `isError`.
      out.status = 'completed';
      out.result = await this.#store.result(taskId, subjectKey).catch(rethrowProtocol);
    }
    return out;
  }

  /** `tasks/cancel`: stops the run (cooperative: the task ends `cancelled` once it has stopped). */
  async cancel(taskId: string, subjectKey: string, declared: boolean): Promise<Record<string, never>> {
    if (!declared) throw missingCapability();
    const task = await this.#store.get(taskId, subjectKey);
    if (!task) throw notFound();
    if (task.status === 'working' || task.status === 'input_required') await this.#store.cancel(taskId, subjectKey).catch(rethrowProtocol);
    return {};
  }

  /** `tasks/update`: acknowledged; a run has no outstanding input requests, so responses are ignored. */
  async update(taskId: string, subjectKey: string, declared: boolean): Promise<Record<string, never>> {
    if (!declared) throw missingCapability();
    if (!(await this.#store.get(taskId, subjectKey))) throw notFound();
    return {};
  }
}
