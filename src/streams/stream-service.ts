import type { WebSocket } from 'ws';
import { TroupeError, runWithContext, systemClock } from '../core/index.ts';
import type { Clock, OperationContext, Subject } from '../core/index.ts';
import type { AuditTrail } from '../audit/types.ts';
import { requestDenial } from '../audit/denials.ts';
import { createSseStream } from './sse-stream.ts';
import type { SseStream } from './sse-stream.ts';
import { serveWsConnection } from './ws-connection.ts';
import { DEFAULT_STREAM_LIMITS } from './types.ts';
import type { StreamLimits, Topic } from './types.ts';

export interface StreamServiceOptions {
  topics: Topic<any>[];
  audit: AuditTrail;
  limits?: Partial<StreamLimits>;
  /** @defaultValue systemClock */
  clock?: Clock;
}

/** A validated SSE subscription request. */
export interface SseRequest {
  topic: string;
  params: Record<string, string>;
  /** From `Last-Event-ID` (preferred: it is what a reconnecting EventSource sends) or `?after=`. */
  after?: number;
}

export interface StreamService {
  readonly topics: ReadonlyMap<string, Topic<any>>;
  readonly limits: StreamLimits;
  /**
   * Opens an SSE stream for the subject of `op` (the request's operation context): checks
   * the topic, the role and the filter (throwing `NOT_FOUND`, `FORBIDDEN`, `INVALID_INPUT`),
   * and the credential's connection bound (`LIMIT_EXCEEDED`).
   */
  openSse(op: OperationContext, request: SseRequest): SseStream;
  /** Throws `LIMIT_EXCEEDED` when the credential of `op` has no connection left (checked before a WebSocket upgrade). */
  assertConnectionSlot(op: OperationContext): void;
  /** Serves the stream protocol on an upgraded WebSocket of `op`'s subject. */
  acceptWebSocket(ws: WebSocket, op: OperationContext): void;
  /** Open SSE streams and WebSockets. */
  connections(): number;
  /** Ends every stream (WebSockets with 1001). */
  close(): void;
}

const CURSOR = /^\d{1,16}$/;

/** Reads a cursor given as text; `INVALID_INPUT` for anything but decimal digits. */
export function parseCursor(raw: string, field: string): number {
  if (!CURSOR.test(raw)) throw new TroupeError('INVALID_INPUT', `${field} must be a cursor (decimal digits)`, { details: { field } });
  return Number(raw);
}

/** Connections are counted per credential: an API key or session by id, else the subject, else the client address. */
function credentialKey(op: OperationContext): string {
  const c = op.credential;
  if (c?.id) return `${c.type}:${c.id}`;
  if (op.subject?.userId) return `${c?.type ?? 'none'}:user:${op.subject.userId}`;
  return `${c?.type ?? 'none'}:ip:${op.ipAddress ?? ''}`;
}

const NOBODY: Subject = { userId: '', username: '', role: 'viewer', workspaceAccess: { all: false, grants: [] } };

/**
 * The live-stream service: the topics, their bounds, connection accounting per credential,
 * and the audit entries of every subscription (`stream_subscribe` when it starts,
 * `stream_end` with what it delivered and why it ended) and of every refusal
 * (`auth_request_denied`/`api_key_request_denied` with `insufficient_permissions`, as REST).
 *
 * @example
 * const streams = createStreamService({ topics: [auditTopic(trail), ...runtimeTopics(runtime)], audit: trail });
 * const { body } = streams.openSse(op, { topic: 'audit', params: {}, after: 120 });
 */
export function createStreamService(options: StreamServiceOptions): StreamService {
  const { audit } = options;
  const clock = options.clock ?? systemClock;
  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
  const topics = new Map(options.topics.map((t) => [t.name, t] as const));
  const perCredential = new Map<string, number>();
  const open = new Set<{ close(): void }>();

  const acquire = (op: OperationContext): (() => void) => {
    const key = credentialKey(op);
    const n = perCredential.get(key) ?? 0;
    if (n >= limits.maxConnectionsPerCredential) {
      throw new TroupeError('LIMIT_EXCEEDED', `at most ${limits.maxConnectionsPerCredential} open streams per credential`);
    }
    perCredential.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (perCredential.get(key) ?? 1) - 1;
      if (left <= 0) perCredential.delete(key);
      else perCredential.set(key, left);
    };
  };

  const recordSubscribe = (transport: string, topic: string, filterKeys: string[], after: number | undefined, subscriptionId?: string) =>
    audit.record({
      category: 'system',
      action: 'stream_subscribe',
      result: 'succeeded',
      resource_type: 'stream',
      resource_id: topic,
      details: { transport, filter_keys: filterKeys, ...(after !== undefined ? { after: String(after) } : {}), ...(subscriptionId ? { subscription_id: subscriptionId } : {}) },
    });
  const recordEnd = (transport: string, topic: string, reason: string, delivered: number, lastCursor: string, subscriptionId?: string) =>
    audit.record({
      category: 'system',
      action: 'stream_end',
      result: reason === 'overflow' || reason === 'error' ? 'failed' : 'succeeded',
      resource_type: 'stream',
      resource_id: topic,
      details: { transport, end_reason: reason, delivered, last_cursor: lastCursor, ...(subscriptionId ? { subscription_id: subscriptionId } : {}) },
    });
  const recordDenied = (op: OperationContext, topic: string, method: string) =>
    audit.record(requestDenial({ credentialType: op.credential?.type, resourceType: 'stream', resourceId: topic, reason: 'insufficient_permissions', httpMethod: method }));

  const topicOf = (name: string): Topic<any> => {
    const topic = topics.get(name);
    if (!topic) throw new TroupeError('NOT_FOUND', `unknown stream topic ${name}; topics are ${[...topics.keys()].join(', ')}`);
    return topic;
  };

  return {
    topics,
    limits,

    openSse(op, request) {
      const topic = topicOf(request.topic);
      const subject = op.subject ?? NOBODY;
      topic.authorize(subject);
      const filter = topic.parseFilter(request.params);
      const release = acquire(op);
      let handle: { close(): void } | undefined;
      const stream = createSseStream({
        topic,
        filter,
        subject,
        ...(request.after !== undefined ? { after: request.after } : {}),
        limits,
        clock,
        onEnd: (end) => {
          release();
          if (handle) open.delete(handle);
          runWithContext(op, () => recordEnd('sse', topic.name, end.reason, end.delivered, end.lastCursor));
        },
      });
      handle = stream;
      open.add(handle);
      recordSubscribe('sse', topic.name, Object.keys(request.params), request.after);
      return stream;
    },

    assertConnectionSlot(op) {
      acquire(op)();
    },

    acceptWebSocket(ws, op) {
      let release: () => void;
      try {
        release = acquire(op);
      } catch {
        // Another connection of the credential took the last slot during the handshake.
        ws.close(1013, 'too many open streams for this credential');
        return;
      }
      const subject = op.subject ?? NOBODY;
      const within = <T>(fn: () => T): T => runWithContext(op, fn);
      const conn = serveWsConnection({
        ws,
        topics,
        subject,
        limits,
        clock,
        within,
        // Hooks also run from timers (heartbeat, overflow checks): always inside the
        // connection's context, so their audit entries carry its credential.
        hooks: {
          subscribed: (topic, id, keys, after) => within(() => recordSubscribe('websocket', topic, keys, after, id)),
          denied: (topic) => within(() => recordDenied(op, topic, 'GET')),
          ended: (topic, id, reason, delivered, last) => within(() => recordEnd('websocket', topic, reason, delivered, last, id)),
          closed: () => {
            release();
            open.delete(conn);
          },
        },
      });
      open.add(conn);
    },

    connections: () => open.size,

    close() {
      for (const c of [...open]) c.close();
      open.clear();
    },
  };
}
