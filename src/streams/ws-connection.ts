import type { WebSocket } from 'ws';
import { TroupeError } from '../core/index.ts';
import type { Clock, Subject } from '../core/index.ts';
import { wsEvent, wsEventPrefix } from './frames.ts';
import { openFeed } from './open-feed.ts';
import { overflowGuard } from './overflow-guard.ts';
import type { Feed, FeedSink } from './open-feed.ts';
import type { StreamLimits, Topic } from './types.ts';

/** WebSocket close codes of the stream endpoint (documented in docs/streams.md). */
export const CLOSE_CODES = {
  /** The server is shutting down. */
  goingAway: 1001,
  /** The client sent something that is not a JSON text message. */
  invalidFrame: 4000,
  /** The subscriber fell behind: its buffer overflowed; every subscription got a `gap` first. */
  overflow: 4008,
} as const;

/** Stable codes of `error` messages. */
export type StreamErrorCode = 'invalid_message' | 'invalid_filter' | 'unknown_topic' | 'forbidden' | 'duplicate_id' | 'unknown_subscription' | 'limit_exceeded' | 'unavailable';

/** Unsent bytes the socket may hold before frames wait in the connection's own bounded buffer. */
const SOCKET_HIGH_WATER = 256 * 1024;
const TEXT = { binary: false } as const;
/** Live items held while a replay runs: shared objects, not copies, so more than the buffer is cheap. */
const PENDING_FACTOR = 10;

const SUB_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const CURSOR = /^\d{1,16}$/;

/** What the connection reports to its owner (audit entries, connection bounds). */
export interface WsConnectionHooks {
  /** A subscription was accepted. */
  subscribed(topic: string, id: string, filterKeys: string[], after: number | undefined): void;
  /** A subscription was refused because the subject may not read the topic. */
  denied(topic: string): void;
  /** A subscription ended (client unsubscribed, overflow, source failure, socket closed). */
  ended(topic: string, id: string, reason: string, delivered: number, lastCursor: string): void;
  /** The socket closed. */
  closed(): void;
}

export interface WsConnectionOptions {
  ws: WebSocket;
  topics: ReadonlyMap<string, Topic<any>>;
  subject: Subject;
  limits: StreamLimits;
  clock: Clock;
  hooks: WsConnectionHooks;
  /** Runs each client message inside the connection's operation context (for audit attribution). */
  within?: <T>(fn: () => T) => T;
}

interface Sub {
  id: string;
  topic: Topic<any>;
  prefix: string;
  feed?: Feed;
}

/** The value of a client's `filter` object as the string parameters a topic parses. */
function filterParams(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TroupeError('INVALID_INPUT', 'filter must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) out[k] = String(v);
    else throw new TroupeError('INVALID_INPUT', `filter.${k} must be a string`);
  }
  return out;
}

/**
 * Serves the stream protocol on one accepted WebSocket: `subscribe`/`unsubscribe`/`ping` from
 * the client; `subscribed`, `event`, `live`, `gap`, `unsubscribed`, `error` and `pong` from the
 * server. Every subscription shares one outgoing buffer, bounded by the socket's unsent bytes
 * and by the messages not yet written; a subscriber that overflows it gets a `gap` per
 * subscription and close code 4008. A ping every `heartbeatMs` (on the injected clock) finds
 * dead peers: no pong, no message and no byte taken by the socket since the last ping, and
 * the socket is terminated (a live peer behind a long backlog answers late but keeps reading).
 */
export function serveWsConnection(options: WsConnectionOptions): { close(code?: number, reason?: string): void } {
  const { ws, topics, subject, limits, clock, hooks } = options;
  const within = options.within ?? ((fn) => fn());
  const subs = new Map<string, Sub>();
  // The connection's outgoing buffer: frames the socket has not taken yet. The socket is fed
  // while its own unsent bytes stay under SOCKET_HIGH_WATER, so a reading peer keeps this
  // empty and a stalled one fills it.
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let taken = 0;
  let closed = false;
  let alive = true;
  let heartbeat: unknown;
  let waiters: Array<() => void> = [];

  const pressured = () => queue.length * 2 > limits.maxBufferMessages || queuedBytes * 2 > limits.maxBufferBytes;
  const wake = () => {
    if (waiters.length === 0 || (pressured() && !closed)) return;
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  // No write callbacks (they cost a closure per frame): frames that wait are pumped when the
  // socket drains ('drain' follows every write that found its buffer over its high-water mark,
  // which SOCKET_HIGH_WATER exceeds), with a next-turn check as a fallback.
  let polling = false;
  const socket = (ws as unknown as { _socket?: { on(e: 'drain', fn: () => void): void; off(e: 'drain', fn: () => void): void; bytesWritten?: number; writableLength?: number } })._socket;
  // Bytes the kernel has taken: a peer behind a long backlog answers pings late, but while
  // it keeps reading (and acknowledging) this keeps growing.
  const flushed = () => (socket?.bytesWritten ?? 0) - (socket?.writableLength ?? 0);
  let flushedAtPing = 0;
  const write = (frame: Buffer) => ws.send(frame, TEXT);
  const pump = (): void => {
    while (queue.length > 0 && !closed && ws.readyState === ws.OPEN && ws.bufferedAmount < SOCKET_HIGH_WATER) {
      const frame = queue.shift()!;
      queuedBytes -= frame.length;
      taken++;
      write(frame);
    }
    if (queue.length > 0 && !socket && !polling && !closed) {
      polling = true;
      setImmediate(() => {
        polling = false;
        pump();
      });
    }
    if (waiters.length > 0) wake();
  };
  socket?.on('drain', pump);
  const guard = overflowGuard({
    maxBytes: limits.maxBufferBytes,
    maxMessages: limits.maxBufferMessages,
    bytes: () => queuedBytes,
    messages: () => queue.length,
    progress: () => taken,
    pump,
    overflow: () => overflow(),
  });
  const send = (frame: Buffer): void => {
    if (closed || ws.readyState !== ws.OPEN) return;
    if (queue.length === 0 && ws.bufferedAmount < SOCKET_HIGH_WATER) {
      write(frame);
      return;
    }
    queue.push(frame);
    queuedBytes += frame.length;
    guard.touch();
  };
  const reply = (msg: Record<string, unknown>) => send(Buffer.from(JSON.stringify(msg), 'utf8'));
  const error = (code: StreamErrorCode, message: string, id?: string) => reply({ type: 'error', ...(id !== undefined ? { id } : {}), code, message });

  const endSub = (sub: Sub, reason: string) => {
    if (subs.get(sub.id) !== sub) return;
    subs.delete(sub.id);
    sub.feed?.close();
    hooks.ended(sub.topic.name, sub.id, reason, sub.feed?.delivered ?? 0, String(sub.feed?.lastSeq ?? 0));
  };

  const overflow = () => {
    if (closed) return;
    // What is queued goes to the socket, then every subscription learns where to resume
    // from (the last event it was sent), then the socket is closed.
    if (ws.readyState === ws.OPEN) for (const frame of queue.splice(0)) ws.send(frame, TEXT);
    queuedBytes = 0;
    for (const sub of [...subs.values()]) {
      if (sub.feed && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'gap', id: sub.id, topic: sub.topic.name, reason: 'overflow', cursor: String(sub.feed.lastSeq) }));
      endSub(sub, 'overflow');
    }
    shutdown(CLOSE_CODES.overflow, 'slow consumer: buffer overflow');
  };

  const sinkFor = (sub: Sub): FeedSink => ({
    event(item) {
      if (closed) return false;
      send(wsEvent(sub.prefix, sub.topic.name, item));
      return true;
    },
    gap(gap) {
      if (gap.reason === 'overflow') return; // sent for every subscription by overflow()
      reply({ type: 'gap', id: sub.id, topic: sub.topic.name, ...gap });
    },
    pressured,
    ready: () => (closed || !pressured() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    end(reason, cause) {
      if (reason === 'overflow') overflow();
      else {
        error('unavailable', `the ${sub.topic.name} stream failed${cause instanceof Error ? `: ${cause.message}` : ''}`, sub.id);
        endSub(sub, 'error');
      }
    },
  });

  function subscribe(msg: Record<string, unknown>): void {
    const id = msg.id;
    if (typeof id !== 'string' || !SUB_ID.test(id)) return error('invalid_message', 'subscribe needs an id of 1 to 64 letters, digits, ".", "_", ":" or "-"');
    const topic = typeof msg.topic === 'string' ? topics.get(msg.topic) : undefined;
    if (!topic) return error('unknown_topic', `topic must be one of ${[...topics.keys()].join(', ')}`, id);
    if (subs.has(id)) return error('duplicate_id', `subscription ${id} already exists on this connection`, id);
    if (subs.size >= limits.maxSubscriptionsPerConnection) return error('limit_exceeded', `at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`, id);
    try {
      topic.authorize(subject);
    } catch {
      hooks.denied(topic.name);
      return error('forbidden', 'Insufficient permissions', id);
    }
    let filter: unknown;
    let after: number | undefined;
    try {
      const params = filterParams(msg.filter);
      filter = topic.parseFilter(params);
      if (msg.after !== undefined && msg.after !== null) {
        const raw = typeof msg.after === 'number' ? String(msg.after) : msg.after;
        if (typeof raw !== 'string' || !CURSOR.test(raw)) throw new TroupeError('INVALID_INPUT', 'after must be a cursor (decimal digits)');
        after = Number(raw);
      }
      const sub: Sub = { id, topic, prefix: wsEventPrefix(id) };
      subs.set(id, sub);
      reply({ type: 'subscribed', id, topic: topic.name });
      hooks.subscribed(topic.name, id, Object.keys(params), after);
      sub.feed = openFeed({ topic, filter, subject, ...(after !== undefined ? { after } : {}), sink: sinkFor(sub), maxPendingLive: limits.maxBufferMessages * PENDING_FACTOR });
      void sub.feed.live.then(() => {
        if (subs.get(id) === sub) reply({ type: 'live', id, cursor: String(sub.feed!.lastSeq) });
      });
    } catch (e) {
      error('invalid_filter', (e as Error).message, id);
    }
  }

  function onMessage(data: unknown, isBinary: boolean): void {
    alive = true;
    if (isBinary) return shutdown(CLOSE_CODES.invalidFrame, 'text frames only');
    let msg: unknown;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return error('invalid_message', 'messages must be JSON objects');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return error('invalid_message', 'messages must be JSON objects');
    const m = msg as Record<string, unknown>;
    switch (m.type) {
      case 'subscribe':
        return subscribe(m);
      case 'unsubscribe': {
        const sub = typeof m.id === 'string' ? subs.get(m.id) : undefined;
        if (!sub) return error('unknown_subscription', 'no such subscription on this connection', typeof m.id === 'string' ? m.id : undefined);
        endSub(sub, 'client');
        return reply({ type: 'unsubscribed', id: sub.id });
      }
      case 'ping':
        return reply({ type: 'pong' });
      default:
        return error('invalid_message', 'type must be subscribe, unsubscribe or ping');
    }
  }

  function shutdown(code: number, reason: string): void {
    if (closed) return;
    for (const sub of [...subs.values()]) endSub(sub, code === CLOSE_CODES.goingAway ? 'shutdown' : code === CLOSE_CODES.overflow ? 'overflow' : 'closed');
    closed = true;
    guard.cancel();
    clock.clearTimeout(heartbeat);
    for (const w of waiters) w();
    waiters = [];
    try {
      ws.close(code, reason);
    } catch {
      ws.terminate();
    }
  }

  const beat = () => {
    heartbeat = clock.setTimeout(() => {
      if (closed) return;
      if (!alive && flushed() === flushedAtPing) {
        // No pong, no message and nothing read since the last ping: the peer is gone.
        for (const sub of [...subs.values()]) endSub(sub, 'dead_peer');
        ws.terminate();
        return;
      }
      alive = false;
      try {
        ws.ping();
      } catch {
        // the socket is closing; 'close' follows
      }
      flushedAtPing = flushed();
      beat();
    }, limits.heartbeatMs);
  };

  ws.on('message', (data, isBinary) => within(() => onMessage(data, isBinary)));
  ws.on('pong', () => {
    alive = true;
  });
  ws.on('error', () => {
    // 'close' follows; the reason is in the close code
  });
  ws.on('close', () =>
    within(() => {
      for (const sub of [...subs.values()]) endSub(sub, 'closed');
      closed = true;
      guard.cancel();
      socket?.off('drain', pump);
      clock.clearTimeout(heartbeat);
      for (const w of waiters) w();
      waiters = [];
      hooks.closed();
    }),
  );
  beat();

  return { close: (code = CLOSE_CODES.goingAway, reason = 'server shutting down') => shutdown(code, reason) };
}
