import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ErrorCode, McpError, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { withContextPatch } from '../core/index.ts';
import type { Clock, Logger, OperationContext } from '../core/index.ts';
import type { Runtime } from '../actors/types.ts';
import type { AuditTrail } from '../audit/types.ts';
import type { TroupeConfig } from '../config.ts';
import { sessionMachine } from '../machines/session.machine.ts';
import type { SessionCloseReason } from '../machines/session.machine.ts';
import { canSee } from './access.ts';
import { auditString, recordMcp } from './audit.ts';
import { SessionEventStore } from './event-store.ts';
import { jsonRpcError, trackStream } from './http-responses.ts';
import { RESOURCE_NOT_FOUND } from './resources.ts';
import { createSessionServer } from './server.ts';
import type { McpSession } from './session.ts';
import type { SubscriptionHub } from './subscriptions.ts';
import type { RunTasks } from './tasks.ts';
import { parseDaguUri, uriAuditResource } from './uris.ts';

export interface LegacySessionsDeps {
  runtime: Runtime;
  audit: AuditTrail;
  config: TroupeConfig;
  clock: Clock;
  version: string;
  logger: Logger;
  hub: SubscriptionHub;
  /** The task ledger both eras share (closed by the handler). */
  tasks: RunTasks;
}

/**
 * The 2025-11-25 era: one session actor, one SDK 1.x server and one resumable transport per
 * session (SSE mode, byte-bounded replay buffer), a session cap and idle expiry. A session
 * belongs to the subject that opened it; another subject presenting its id is refused as if
 * the id were unknown, and the attempt is audited as `mcp.request.denied`.
 */
/** Runs `fn` under `patch` when it holds anything, else in the current context as it is. */
const within = <T>(patch: Partial<OperationContext> | undefined, fn: () => T): T => (patch && Object.keys(patch).length > 0 ? withContextPatch(patch, fn) : fn());

export function createLegacySessions(deps: LegacySessionsDeps) {
  const { runtime, audit, config, clock, version, logger, hub, tasks } = deps;
  const sessions = new Map<string, McpSession>();
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

  // MCP Tasks: each durable status of a task goes to the open session whose call created it
  // (`notifications/tasks/status`, the task object as `tasks/get` returns it), on its GET
  // stream as resources/updated does, so it is replayed after a reconnect. A closed session is
  // no longer in `sessions`: nothing reaches it. Like resources/updated, the notification is
  // not an audit entry: what it reports (the run's end, a cancel) already is.
  const taskStatus = tasks.changes$.subscribe((change) => {
    if (change.origin === undefined) return;
    const s = sessions.get(change.origin);
    if (!s || s.closed || s.subjectKey !== change.ownerKey) return;
    s.server.server
      .notification({ method: 'notifications/tasks/status', params: change.task })
      .catch((e: Error) => logger.warn('mcp task notification failed', { sessionId: s.id, taskId: change.task.taskId, error: e }));
  });

  /** Bookkeeping once a session ends, however it ends; idempotent. */
  async function closeSession(s: McpSession, reason: SessionCloseReason, closeTransport = true): Promise<void> {
    if (s.closed) return;
    s.closed = true;
    sessions.delete(s.id);
    hub.removeSession(s.id);
    s.actor.send({ type: 'session.close', reason });
    if (closeTransport) await s.server.close().catch((e: Error) => logger.warn('mcp session close failed', { sessionId: s.id, error: e }));
    s.actor.send({ type: 'session.closed' });
  }

  function subscriptionsOf(s: McpSession) {
    const about = (uri: string, action: string) => ({ ...uriAuditResource(uri), details: { mcp_action: action } });
    return {
      async subscribe(uri: string): Promise<void> {
        const parsed = parseDaguUri(uri);
        if (!parsed.ok) throw new McpError(ErrorCode.InvalidParams, `Invalid resource URI: ${parsed.problem.message}`, { uri: auditString(uri, 256) });
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
          s.server.server.sendResourceUpdated({ uri: target }).catch((e: Error) => logger.warn('mcp notification failed', { sessionId: s.id, error: e }));
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
    const events = new SessionEventStore(undefined, config.mcp.replayBufferBytes);
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
    session.server = createSessionServer({ runtime, audit }, subscriptionsOf(session), version, tasks, subjectKey, id);
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

  /**
   * Serves one 2025-era request; `body` is the parsed POST body (already size-checked), or
   * `undefined` for GET and DELETE. `patch` (the request's traceparent) joins the session's
   * own context patch, so a call runs under one context rather than a chain of them.
   */
  async function handle(req: Request, body: unknown, subjectKey: string, patch?: Partial<OperationContext>): Promise<Response> {
    const sid = req.headers.get('mcp-session-id');
    if (sid) {
      const s = sessions.get(sid);
      if (s && !s.closed && s.subjectKey !== subjectKey) {
        // A session id is never a credential: another subject's id reads as unknown, and is audited.
        const denial = {
          category: 'mcp',
          action: 'mcp.request.denied',
          result: 'denied',
          resource_type: 'mcp_request',
          resource_id: new URL(req.url).pathname,
          details: { denial_reason: 'session_subject_mismatch', http_method: req.method, presented_session_id: sid.slice(0, 64) },
        } as const;
        within(patch, () => audit.record(denial));
        return jsonRpcError(404, -32001, 'Session not found');
      }
      if (!s || s.closed) return jsonRpcError(404, -32001, 'Session not found');
      s.lastSeen = clock.now();
      const res = await withContextPatch({ ...patch, sessionId: s.id, clientName: s.clientName, clientVersion: s.clientVersion }, () =>
        s.transport.handleRequest(req, body === undefined ? undefined : { parsedBody: body }),
      );
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
    if (!isInitializeRequest(body)) return jsonRpcError(400, -32000, 'Bad Request: No valid session ID provided');
    if (sessions.size >= config.mcp.maxSessions) return jsonRpcError(503, -32000, 'Too many open sessions', { 'retry-after': '5' });
    return within(patch, () => createSession(req, body, subjectKey));
  }

  return {
    handle,
    count: () => sessions.size,
    /** Bytes held by every session's replay buffer (for tests and health). */
    replayBytes: () => [...sessions.values()].reduce((n, s) => n + s.events.bytes, 0),
    async close() {
      shuttingDown = true;
      clock.clearTimeout(sweepTimer);
      taskStatus.unsubscribe();
      await Promise.all([...sessions.values()].map((s) => closeSession(s, 'server_shutdown')));
    },
  };
}

export type LegacySessions = ReturnType<typeof createLegacySessions>;
