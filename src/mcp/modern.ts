import { AsyncLocalStorage } from 'node:async_hooks';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { currentContext, runWithContext } from '../core/index.ts';
import type { Logger, OperationContext } from '../core/index.ts';
import type { Runtime } from '../actors/types.ts';
import type { AuditTrail } from '../audit/types.ts';
import type { TroupeConfig } from '../config.ts';
import { canSee } from './access.ts';
import { auditString, recordMcp } from './audit.ts';
import { currentModern, runModern } from './era-context.ts';
import { ModernTasks, TASKS_EXTENSION, TaskIdParams, declaresTasks, isTaskableCall } from './modern-tasks.ts';
import { RESOURCE_NOT_FOUND } from './resources.ts';
import type { SubscriptionHub } from './subscriptions.ts';
import type { RunTasks } from './tasks.ts';
import { CAPABILITIES, INSTRUCTIONS, SERVER_INFO, SURFACE_METHODS, createSurface } from './surface.ts';
import { parseDaguUri, uriAuditResource } from './uris.ts';

/** The SDK's era classifier, re-exported so the handler loads SDK 2.x through this module only. */
export { isLegacyRequest } from '@modelcontextprotocol/server';

/** The revision the SDK 2.x handler serves. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

export interface ModernEraDeps {
  runtime: Runtime;
  audit: AuditTrail;
  config: TroupeConfig;
  version: string;
  logger: Logger;
  hub: SubscriptionHub;
  /** The task ledger both eras share (closed by the handler). */
  tasks: RunTasks;
}

/** A run a listen stream watches. */
interface ListenRun {
  uri: string;
  name: string;
  dagRunId: string;
}

/** What the bus learns about the listen stream that is subscribing (set around the SDK call). */
interface ListenIntent {
  subscriptionId: string;
  subjectKey: string;
  runs: ListenRun[];
}

const intentStore = new AsyncLocalStorage<ListenIntent>();

/**
 * The `ServerEventBus` of the modern leg, fed by the runtime. Each `subscriptions/listen`
 * stream the SDK opens registers here; the bus knows (from the request it is opened in) which
 * runs it listens to, and asks the subscription hub to watch their `runtime.terminal$`. A run's
 * end is delivered to exactly the streams that listen to it, once each (a run that has already
 * ended at once), and never after a stream closed: its watches end with it.
 */
class RunTerminalBus implements ServerEventBus {
  readonly #hub: SubscriptionHub;
  readonly #audit: AuditTrail;
  readonly #listeners = new Set<(event: ServerEvent) => void>();
  readonly #openBySubject = new Map<string, number>();
  #seq = 0;

  constructor(hub: SubscriptionHub, audit: AuditTrail) {
    this.#hub = hub;
    this.#audit = audit;
  }

  /** Open listen streams of one subject (credential). */
  openFor(subjectKey: string): number {
    return this.#openBySubject.get(subjectKey) ?? 0;
  }

  get open(): number {
    let n = 0;
    for (const v of this.#openBySubject.values()) n += v;
    return n;
  }

  publish(event: ServerEvent): void {
    for (const l of this.#listeners) l(event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    const intent = intentStore.getStore();
    const ctx = currentContext();
    this.#listeners.add(listener);
    let live = true;
    const key = `listen\u0000${++this.#seq}`;
    if (intent) {
      this.#openBySubject.set(intent.subjectKey, this.openFor(intent.subjectKey) + 1);
      for (const run of intent.runs) {
        recordMcp(this.#audit, 'mcp.resource.subscribe.succeeded', 'succeeded', { ...uriAuditResource(run.uri), details: { mcp_action: 'subscribe_resource' } });
        this.#hub.add(key, run.uri, run, (uri) => {
          if (live) listener({ kind: 'resource_updated', uri });
        });
      }
    }
    return () => {
      if (!live) return;
      live = false;
      this.#listeners.delete(listener);
      this.#hub.removeSession(key);
      if (!intent) return;
      const left = this.openFor(intent.subjectKey) - 1;
      if (left > 0) this.#openBySubject.set(intent.subjectKey, left);
      else this.#openBySubject.delete(intent.subjectKey);
      const close = () =>
        runModern({ protocolVersion: MODERN_PROTOCOL_VERSION, subscriptionId: intent.subscriptionId }, () => {
          for (const run of intent.runs) recordMcp(this.#audit, 'mcp.resource.unsubscribe.succeeded', 'succeeded', { ...uriAuditResource(run.uri), details: { mcp_action: 'unsubscribe_resource' } });
        });
      if (ctx) runWithContext(ctx as OperationContext, close);
      else close();
    };
  }
}

type WrappedHandler = (request: { params?: unknown }, ctx: unknown) => Promise<Record<string, unknown>>;

/** Carries a task handle past the SDK's `CallToolResult` validation (see {@link TaskAwareServer}). */
class TaskHandle {
  constructor(readonly result: Record<string, unknown>) {}
}

/**
 * The SDK 2.x `Server` with one seam: a `tools/call` that became a task (the Tasks extension)
 * answers a `CreateTaskResult` (`resultType: "task"`), which the SDK's validation of
 * `tools/call` results (a `CallToolResult`) would reject. The SDK still validates the request
 * and every plain result; only the task handle is lifted past the result check.
 */
class TaskAwareServer extends Server {
  protected override _wrapHandler(method: string, handler: Parameters<Server['_wrapHandler']>[1]): ReturnType<Server['_wrapHandler']> {
    if (method !== 'tools/call') return super._wrapHandler(method, handler);
    const inner = handler as unknown as WrappedHandler;
    const wrapped = super._wrapHandler(method, (async (request: { params?: unknown }, ctx: unknown) => {
      const result = await inner(request, ctx);
      if (result.resultType === 'task') throw new TaskHandle(result);
      return result;
    }) as never) as unknown as WrappedHandler;
    const taskAware: WrappedHandler = (request, ctx) => wrapped(request, ctx).catch((e: unknown) => {
      if (e instanceof TaskHandle) return e.result;
      throw e;
    });
    return taskAware as never;
  }
}

const inBand = (id: unknown, code: number, message: string): Response =>
  Response.json({ jsonrpc: '2.0', id: id ?? null, error: { code, message } }, { status: 200 });

/**
 * The 2026-07-28 era, served by the SDK 2.x `createMcpHandler` (strict: `legacy: 'reject'`;
 * 2025 traffic never reaches it). Each request gets a fresh SDK 2.x `Server` with the same
 * surface as the 2025 era (`surface.ts`); `subscriptions/listen` streams are fed by the run
 * terminal events through {@link RunTerminalBus}, bounded per credential. Validation-ladder
 * rejections of the SDK (Mcp-Method/Mcp-Name disagreeing with the body, an unsupported
 * revision) are audited as `mcp.request.denied`.
 */
export function createModernEra(deps: ModernEraDeps) {
  const { runtime, audit, config, version, logger, hub } = deps;
  const surface = createSurface({ runtime, audit });
  const bus = new RunTerminalBus(hub, audit);

  const tasks = new ModernTasks(deps.tasks);
  // The Tasks extension is this era's only addition to the shared capabilities.
  const capabilities = { ...structuredClone(CAPABILITIES), extensions: { [TASKS_EXTENSION]: {} } };
  const taskCall = (fn: (taskId: string, subjectKey: string, declared: boolean) => Promise<unknown>) => (params: { taskId: string }) => {
    const m = currentModern();
    return fn(params.taskId, m?.subjectKey ?? '', m?.tasks === true) as Promise<Record<string, unknown>>;
  };

  const factory = () => {
    const server = new TaskAwareServer({ ...SERVER_INFO, version }, { capabilities: capabilities as never, instructions: INSTRUCTIONS });
    for (const method of SURFACE_METHODS) {
      const handler = surface[method] as (params: unknown) => Promise<unknown>;
      server.setRequestHandler(method, ((request: { params?: unknown }) => handler(request.params)) as never);
    }
    // A dagu_execute start/enqueue from a client that declares the Tasks extension becomes a task.
    server.setRequestHandler('tools/call', ((request: { params: Record<string, unknown> }) => {
      const m = currentModern();
      if (m?.tasks && isTaskableCall(request.params)) return tasks.start(request.params, surface, m.subjectKey ?? '');
      return surface['tools/call'](request.params);
    }) as never);
    server.setRequestHandler('tasks/get', { params: TaskIdParams }, taskCall((id, subject, declared) => tasks.get(id, subject, declared)));
    server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, taskCall((id, subject, declared) => tasks.cancel(id, subject, declared)));
    server.setRequestHandler('tasks/update', { params: TaskIdParams }, taskCall((id, subject, declared) => tasks.update(id, subject, declared)));
    return server;
  };

  const onerror = (error: Error) => {
    const message = error.message;
    const rejected = message.startsWith('Rejected') || error.name === 'UnsupportedProtocolVersionError';
    if (!rejected || !currentContext()) {
      logger.warn('mcp 2026-07-28 handler error', { error });
      return;
    }
    const cell = /\(([^)]+)\)/.exec(message)?.[1];
    audit.record({
      category: 'mcp',
      action: 'mcp.request.denied',
      result: 'denied',
      resource_type: 'mcp_request',
      resource_id: `${config.basePath}/mcp`,
      details: {
        denial_reason: /header|mismatch|disagree/i.test(message) ? 'header_mismatch' : error.name === 'UnsupportedProtocolVersionError' ? 'unsupported_protocol_version' : 'protocol_rejected',
        ...(cell ? { rejection: auditString(cell, 64) } : {}),
        message: auditString(message, 256),
        protocol_version: MODERN_PROTOCOL_VERSION,
      },
    });
  };

  const handler = createMcpHandler(factory, {
    legacy: 'reject',
    onerror,
    bus,
    // The per-credential bound below is the one that matters; this is the handler-wide backstop.
    maxSubscriptions: Math.max(1, config.mcp.maxListensPerCredential * config.mcp.maxSessions),
    maxRequestBodySize: config.maxBodyBytes,
  });

  async function listen(req: Request, body: Record<string, unknown>, subjectKey: string): Promise<Response> {
    const id = body.id;
    if (bus.openFor(subjectKey) >= config.mcp.maxListensPerCredential) {
      return inBand(id, -32603, `Subscription limit reached (${config.mcp.maxListensPerCredential} open listen streams per credential)`);
    }
    const notifications = (body.params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)?.notifications;
    const uris = Array.isArray(notifications?.resourceSubscriptions) ? notifications.resourceSubscriptions : [];
    if (uris.length > config.mcp.maxSubscriptionsPerSession) {
      return inBand(id, -32602, `Too many resource subscriptions (${config.mcp.maxSubscriptionsPerSession} per listen stream)`);
    }
    const runs: ListenRun[] = [];
    for (const uri of uris) {
      if (typeof uri !== 'string') continue; // the SDK answers the malformed filter
      const parsed = parseDaguUri(uri);
      if (!parsed.ok) return inBand(id, -32602, `Invalid resource URI: ${parsed.problem.message}`);
      const u = parsed.uri;
      // As in the 2025 era, only run URIs are notified; other dagu:// URIs are accepted quietly.
      if (u.kind !== 'run' && u.kind !== 'run_logs') continue;
      const run = await runtime.getRun(u.name, u.dagRunId);
      if (!run || !canSee(run.workspace)) return inBand(id, RESOURCE_NOT_FOUND, 'Resource not found');
      runs.push({ uri, name: run.name, dagRunId: run.dagRunId });
    }
    return intentStore.run({ subscriptionId: String(id), subjectKey, runs }, () => handler.fetch(req, { parsedBody: body }));
  }

  /** Serves one 2026-07-28 request (`body` already read, size-checked and parsed). */
  function handle(req: Request, body: unknown, subjectKey: string): Promise<Response> {
    const msg = body as Record<string, unknown> | undefined;
    const id = msg && !Array.isArray(msg) && (typeof msg.id === 'string' || typeof msg.id === 'number') ? String(msg.id) : undefined;
    const isListen = msg?.method === 'subscriptions/listen';
    const meta = (msg?.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
    const info = {
      protocolVersion: MODERN_PROTOCOL_VERSION,
      subjectKey,
      tasks: declaresTasks(meta),
      ...(id !== undefined ? { jsonrpcId: id } : {}),
      ...(isListen && id !== undefined ? { subscriptionId: id } : {}),
    };
    return runModern(info, () => (isListen ? listen(req, msg, subjectKey) : handler.fetch(req, { parsedBody: body })));
  }

  return {
    handle,
    /** Open `subscriptions/listen` streams. */
    openListens: () => bus.open,
    /** Tasks that still follow a run. */
    followingTasks: () => tasks.following,
    close: async () => {
      await handler.close();
    },
  };
}

export type ModernEra = ReturnType<typeof createModernEra>;
