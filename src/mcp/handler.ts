import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_WORKSPACE, createLogger, currentContext, systemClock, withContextPatch } from '../core/index.ts';
import type { Clock, Logger, OperationContext } from '../core/index.ts';
import type { Runtime } from '../actors/types.ts';
import type { AuditTrail } from '../audit/types.ts';
import type { TroupeConfig } from '../config.ts';
import { auditString } from './audit.ts';
import { isPlainLegacyRequest } from './classify.ts';
import { validTraceparent } from './era-context.ts';
import { jsonRpcError, readBodyLimited } from './http-responses.ts';
import { createLegacySessions } from './legacy-sessions.ts';
import type { ModernEra } from './modern.ts';
import { createOriginPolicy } from './origin.ts';
import { subjectKeyOf } from './session.ts';
import { SubscriptionHub } from './subscriptions.ts';
import { createMemoryTaskStore } from './task-store.ts';
import type { McpTaskStore } from './task-store.ts';
import { RunTasks } from './tasks.ts';

/** What `createMcpHandler` needs. */
export interface McpHandlerDeps {
  runtime: Runtime;
  audit: AuditTrail;
  config: TroupeConfig;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** Server version in the initialize / discover result. @defaultValue '0.1.0' */
  version?: string;
  /** Where problems that have no caller go (a failed notification). @defaultValue a JSON-lines logger on stderr */
  logger?: Logger;
  /**
   * Where MCP tasks are kept, so they survive a restart (the server passes the LevelDB
   * adapter, `createLevelTaskStore`). @defaultValue in memory
   */
  taskStore?: McpTaskStore;
}

/** The `/mcp` endpoint as a web-standard handler. */
export interface McpHandler {
  /** Handles one HTTP request to `{basePath}/mcp`, inside the caller's operation context. */
  handle(req: Request): Promise<Response>;
  /** Closes every session and listen stream (their streams end) and stops the idle sweep. */
  close(): Promise<void>;
  /** Open 2025-era sessions. */
  sessionCount(): number;
  /** Open 2026-07-28 `subscriptions/listen` streams. */
  listenCount(): number;
  /** Bytes held by the replay buffers of all 2025-era sessions. */
  replayBytes(): number;
}

const isJson = (ct: string | null): boolean => ct !== null && /^application\/json\s*(;|$)/i.test(ct.trim());

/**
 * Creates the MCP endpoint, serving both protocol eras on one path:
 *
 * - **2025-11-25** (and older): sessionful Streamable HTTP (SSE mode, resumable GET stream,
 *   `resources/subscribe`) on SDK 1.x, one session actor per session (`legacy-sessions.ts`).
 * - **2026-07-28**: stateless per-request serving, `server/discover` and `subscriptions/listen`
 *   on SDK 2.x `createMcpHandler` (`modern.ts`).
 *
 * Routing is the SDK's own `isLegacyRequest` on the parsed body. Gates common to both run
 * first: authentication happened before (the HTTP layer put the subject into the operation
 * context), Origin/Host, method, and the body (read here for every POST, chunked or not, under
 * `max_body_bytes`; an empty batch is an Invalid Request). A `traceparent` from the envelope's
 * `_meta` or the HTTP header is carried on the context, so the call's audit entries and the
 * runs it starts record it.
 *
 * @example
 * const mcp = createMcpHandler({ runtime, audit, config });
 * app.all(`${config.basePath}/mcp`, (event) => mcp.handle(event.req));
 */
export function createMcpHandler(deps: McpHandlerDeps): McpHandler {
  const { runtime, audit, config } = deps;
  const clock = deps.clock ?? systemClock;
  const version = deps.version ?? '0.1.0';
  const logger = deps.logger ?? createLogger({ bindings: { component: 'mcp' } });
  const hub = new SubscriptionHub(runtime, (e) => logger.warn('mcp subscription watch failed', { error: e }));
  // One task ledger for both eras: a credential's tasks and its live-task limit span them.
  const tasks = new RunTasks({
    runtime,
    audit,
    logger,
    clock,
    store: deps.taskStore ?? createMemoryTaskStore(),
    maxPerOwner: config.mcp.maxTasksPerCredential,
    mcpPath: `${config.basePath}/mcp`,
  });
  const legacy = createLegacySessions({ runtime, audit, config, clock, version, logger, hub, tasks });
  // SDK 2.x (the classifier and the modern leg) is loaded by the first POST, so start-up is not
  // slowed by a second SDK (seconds on a loaded machine); later POSTs reuse it.
  let sdk2: Promise<{ isLegacyRequest: typeof import('./modern.ts').isLegacyRequest; modern: ModernEra }> | undefined;
  const loadSdk2 = () =>
    (sdk2 ??= import('./modern.ts').then(
      (m) => ({ isLegacyRequest: m.isLegacyRequest, modern: m.createModernEra({ runtime, audit, config, version, logger, hub, tasks }) }),
      (error: unknown) => {
        sdk2 = undefined;
        logger.error('mcp: the SDK 2.x modern leg failed to load', { error });
        throw error;
      },
    ));
  let modern: ModernEra | undefined;
  const originOk = createOriginPolicy({ boundHost: config.host, allowedOrigins: config.mcp.allowedOrigins, allowedHosts: config.mcp.allowedHosts });
  let shuttingDown = false;

  async function handle(req: Request): Promise<Response> {
    const ctx = currentContext();
    if (!ctx?.subject) return jsonRpcError(401, -32000, 'Authentication required');
    const verdict = originOk(req.headers.get('host'), req.headers.get('origin'));
    if (!verdict.ok) return jsonRpcError(403, -32000, verdict.reason === 'host' ? 'Forbidden: invalid Host header' : 'Forbidden: invalid Origin header');
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      return jsonRpcError(405, -32000, 'Method not allowed.', { allow: 'GET, POST, DELETE' });
    }
    if (shuttingDown) return jsonRpcError(503, -32000, 'Server is shutting down');
    const subjectKey = subjectKeyOf(ctx.subject.userId, ctx.credential?.id);
    if (req.method !== 'POST') return legacy.handle(req, undefined, subjectKey);

    if (!isJson(req.headers.get('content-type'))) return jsonRpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    // Every POST body is read here under the limit, so a chunked body without Content-Length is bounded too.
    const text = await readBodyLimited(req, config.maxBodyBytes);
    if (text === undefined) return jsonRpcError(413, -32000, `Request body exceeds the limit of ${config.maxBodyBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return jsonRpcError(400, ErrorCode.ParseError, 'Parse error');
    }
    if (Array.isArray(body) && body.length === 0) return jsonRpcError(400, ErrorCode.InvalidRequest, 'Invalid Request: empty batch');
    if (typeof body !== 'object' || body === null) return jsonRpcError(400, ErrorCode.InvalidRequest, 'Invalid Request');

    const meta = Array.isArray(body) ? undefined : ((body as { params?: { _meta?: Record<string, unknown> } }).params?._meta ?? undefined);
    const patch: Partial<OperationContext> = {};
    const traceparent = validTraceparent(meta?.['traceparent']) ?? validTraceparent(req.headers.get('traceparent'));
    if (traceparent) patch.traceparent = traceparent;

    // An ordinary 2025-era request is recognised without the SDK's zod classifier; every other
    // body is classified by the SDK itself (`classify.ts`).
    if (isPlainLegacyRequest(body, req.headers.get('mcp-protocol-version'))) return legacy.handle(req, body, subjectKey, patch);
    const loaded = await loadSdk2();
    modern = loaded.modern;
    if (await loaded.isLegacyRequest(req, body, { maxRequestBodySize: config.maxBodyBytes })) return legacy.handle(req, body, subjectKey, patch);
    const info = meta?.['io.modelcontextprotocol/clientInfo'] as { name?: unknown; version?: unknown } | undefined;
    if (typeof info?.name === 'string') patch.clientName = auditString(info.name, 128);
    if (typeof info?.version === 'string') patch.clientVersion = auditString(info.version, 64);
    return withContextPatch(patch, () => loaded.modern.handle(req, body, subjectKey));
  }

  return {
    handle: (req) =>
      (currentContext()?.workspace !== undefined ? handle(req) : withContextPatch({ workspace: DEFAULT_WORKSPACE }, () => handle(req))).catch((error: Error) => {
        logger.error('mcp handler failed', { error });
        return jsonRpcError(500, ErrorCode.InternalError, 'Internal server error');
      }),
    async close() {
      shuttingDown = true;
      await Promise.all([legacy.close(), sdk2?.then((m) => m.modern.close(), () => undefined)]);
      tasks.close();
      hub.close();
    },
    sessionCount: () => legacy.count(),
    listenCount: () => modern?.openListens() ?? 0,
    replayBytes: () => legacy.replayBytes(),
  };
}
