import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ErrorCode, McpError, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_WORKSPACE, currentContext, systemClock, withContextPatch } from '../core/index.ts';
import type { Clock, Logger } from '../core/index.ts';
import type { Runtime } from '../actors/types.ts';
import type { AuditTrail } from '../audit/types.ts';
import type { TroupeConfig } from '../config.ts';
import { sessionMachine } from '../machines/session.machine.ts';
import type { SessionCloseReason } from '../machines/session.machine.ts';
import { canSee } from './access.ts';
import { auditString, recordMcp } from './audit.ts';
import { SessionEventStore } from './event-store.ts';
import { jsonRpcError, readBodyLimited, trackStream } from './http-responses.ts';
import { createOriginPolicy } from './origin.ts';
import { RESOURCE_NOT_FOUND } from './resources.ts';
import { createSessionServer } from './server.ts';
import type { McpSession } from './session.ts';
import { subjectKeyOf } from './session.ts';
import { SubscriptionHub } from './subscriptions.ts';
import { parseDaguUri, uriAuditResource } from './uris.ts';

/** What `createMcpHandler` needs. */
export interface McpHandlerDeps {
  runtime: Runtime;
  audit: AuditTrail;
  config: TroupeConfig;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** Server version in the initialize result. @defaultValue '0.1.0' */
  version?: string;
  /** Where problems that have no caller go (a failed notification). */
  logger: Logger;
}

/** The `/mcp` endpoint as a web-standard handler. */
export interface McpHandler {
  /** Handles one HTTP request to `{basePath}/mcp`, inside the caller's operation context. */
  handle(req: Request): Promise<Response>;
  /** Closes every session (their streams end) and stops the idle sweep. */
  close(): Promise<void>;
  sessionCount(): number;
}

/**
 * Creates the MCP endpoint: Streamable HTTP (SSE mode, stateful, resumable), one session
 * actor and one MCP server per session, Origin/Host validation, a session cap and idle
 * expiry. Authentication happened before (the HTTP layer put the subject into the operation
 * context); every request is still checked against the subject that created its session.
 *
 * @example
 * const mcp = createMcpHandler({ runtime, audit, config });
 * app.all(`${config.basePath}/mcp`, (event) => mcp.handle(event.req));
 */
export function createMcpHandler(deps: McpHandlerDeps): McpHandler {
  const { runtime, audit, config } = deps;
  const clock = deps.clock ?? systemClock;
  const version = deps.version ?? '0.1.0';
  const logger = deps.logger;
  const warn = (message: string) => logger.warn(message);
  const sessions = new Map<string, McpSession>();
  const hub = new SubscriptionHub(runtime, (e) => warn(`mcp subscription: ${(e as Error).message}`));
  const originOk = createOriginPolicy({ boundHost: config.host, allowedOrigins: config.mcp.allowedOrigins, allowedHosts: config.mcp.allowedHosts });
  const idleMs = config.mcp.sessionIdleSec * 1000;
  let shuttingDown = false;
  let sweepTimer: unknown;

  const scheduleSweep = () => {
    if (shuttingDown) return;
    sweepTimer = clock.setTimeout(sweep, Math.max(250, Math.min(60_000, idleMs / 4)));
    (sweepTimer as { unref?: () => void } | undefined)?.unref?.();
  };
  function sweep(): void {
    const now = clock.now();
    for (const s of sessions.values()) if (s.openStreams === 0 && now - s.lastSeen >= idleMs) void closeSession(s, 'idle_timeout');
    scheduleSweep();
  }
  scheduleSweep();

  /** Bookkeeping once a session ends, however it ends; idempotent. */
  async function closeSession(s: McpSession, reason: SessionCloseReason, closeTransport = true): Promise<void> {
    if (s.closed) return;
    s.closed = true;
    sessions.delete(s.id);
    hub.removeSession(s.id);
    s.actor.send({ type: 'session.close', reason });
    if (closeTransport) await s.server.close().catch(() => {});
    s.actor.send({ type: 'session.closed' });
  }

  function subscriptionsOf(s: McpSession) {
    const about = (uri: string, action: string) => ({ ...uriAuditResource(uri), details: { mcp_action: action } });
    return {
      async subscribe(uri: string): Promise<void> {
        const parsed = parseDaguUri(uri);
        if (!parsed.ok) throw new McpError(ErrorCode.InvalidParams, `Invalid resource URI: ${parsed.problem.message}`, { uri });
        const u = parsed.uri;
        // Only runs change in a way that is notified; other dagu:// URIs are accepted quietly (as Dagu does).
        if (u.kind !== 'run' && u.kind !== 'run_logs') return;
        const run = await runtime.getRun(u.name, u.dagRunId);
        if (!run || !canSee(run.workspace)) throw new McpError(RESOURCE_NOT_FOUND, 'Resource not found', { uri });
        if (!s.actor.getSnapshot().can({ type: 'session.subscribe', uri })) {
          throw new McpError(ErrorCode.InvalidRequest, `Subscription limit reached (${config.mcp.maxSubscriptionsPerSession} per session)`, { uri });
        }
        s.actor.send({ type: 'session.subscribe', uri });
        hub.add(s.id, uri, { name: run.name, dagRunId: run.dagRunId }, (target) => {
          if (s.closed) return;
          s.server.server.sendResourceUpdated({ uri: target }).catch((e: Error) => warn(`mcp notification to ${s.id}: ${e.message}`));
        });
        recordMcp(audit, 'mcp.resource.subscribe.succeeded', 'succeeded', about(uri, 'subscribe_resource'));
      },
      async unsubscribe(uri: string): Promise<void> {
        s.actor.send({ type: 'session.unsubscribe', uri });
        hub.remove(s.id, uri);
        recordMcp(audit, 'mcp.resource.unsubscribe.succeeded', 'succeeded', about(uri, 'unsubscribe_resource'));
      },
    };
  }

  async function createSession(req: Request, body: unknown, subjectKey: string): Promise<Response> {
    const id = randomUUID();
    const params = (body as { params?: { protocolVersion?: unknown; clientInfo?: { name?: unknown; version?: unknown } } }).params;
    const protocolVersion = String(params?.protocolVersion ?? '');
    const clientName = auditString(String(params?.clientInfo?.name ?? req.headers.get('user-agent') ?? ''), 128);
    const clientVersion = auditString(String(params?.clientInfo?.version ?? ''), 64);
    const events = new SessionEventStore();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: events,
      retryInterval: 1000,
      // The SDK closes the transport itself after this callback (DELETE).
      onsessionclosed: () => {
        const s = sessions.get(id);
        if (s) void closeSession(s, 'client_delete', false);
      },
    });
    const actor = runtime.spawn(sessionMachine, {
      kind: 'session',
      id,
      input: { sessionId: id, subjectId: subjectKey, clientName, clientVersion, maxSubscriptions: config.mcp.maxSubscriptionsPerSession },
    });
    const session = { id, subjectKey, clientName, clientVersion, transport, actor, events, lastSeen: clock.now(), openStreams: 0, closed: false } as McpSession;
    session.server = createSessionServer({ runtime, audit }, subscriptionsOf(session), version);
    session.server.server.oninitialized = () => {
      actor.send({ type: 'session.initialized', clientName, clientVersion, protocolVersion });
    };
    session.server.server.onclose = () => void closeSession(session, 'transport_closed', false);
    await session.server.connect(transport);
    sessions.set(id, session);
    const res = await withContextPatch({ sessionId: id, clientName, clientVersion }, () => transport.handleRequest(req, { parsedBody: body }));
    // An initialize the transport refused leaves no session behind.
    if (transport.sessionId === undefined) await closeSession(session, 'transport_closed');
    return res;
  }

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
    const sid = req.headers.get('mcp-session-id');
    if (sid) {
      const s = sessions.get(sid);
      // A session id is never a credential: another subject's id reads as unknown.
      if (!s || s.closed || s.subjectKey !== subjectKey) return jsonRpcError(404, -32001, 'Session not found');
      s.lastSeen = clock.now();
      const res = await withContextPatch({ sessionId: s.id, clientName: s.clientName, clientVersion: s.clientVersion }, () => s.transport.handleRequest(req));
      if (req.method === 'GET' && res.ok && res.headers.get('content-type')?.includes('text/event-stream')) {
        s.openStreams++;
        return trackStream(res, () => {
          s.openStreams--;
          s.lastSeen = clock.now();
        });
      }
      return res;
    }
    if (req.method !== 'POST') return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    const text = await readBodyLimited(req, config.maxBodyBytes);
    if (text === undefined) return jsonRpcError(413, -32000, 'Request body too large');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return jsonRpcError(400, ErrorCode.ParseError, 'Parse error');
    }
    if (!isInitializeRequest(body)) return jsonRpcError(400, -32000, 'Bad Request: No valid session ID provided');
    if (sessions.size >= config.mcp.maxSessions) return jsonRpcError(503, -32000, 'Too many open sessions', { 'retry-after': '5' });
    return createSession(req, body, subjectKey);
  }

  return {
    handle: (req) => withContextPatch({ workspace: currentContext()?.workspace ?? DEFAULT_WORKSPACE }, () => handle(req)).catch((e: Error) => {
      warn(`mcp handler: ${e.message}`);
      return jsonRpcError(500, ErrorCode.InternalError, 'Internal server error');
    }),
    async close() {
      shuttingDown = true;
      clock.clearTimeout(sweepTimer);
      await Promise.all([...sessions.values()].map((s) => closeSession(s, 'server_shutdown')));
      hub.close();
    },
    sessionCount: () => sessions.size,
  };
}
