import type { Clock, Subject } from '../core/index.ts';
import { errorFields } from '../core/index.ts';
import { sseControl, sseEvent, sseGap } from './frames.ts';
import { openFeed } from './open-feed.ts';
import { overflowGuard } from './overflow-guard.ts';
import type { Feed, FeedSink } from './open-feed.ts';
import type { StreamLimits, Topic } from './types.ts';

/** How an SSE stream ended, for the audit entry and the connection count. */
export interface StreamEnd {
  reason: 'client' | 'overflow' | 'error' | 'shutdown';
  delivered: number;
  lastCursor: string;
}

export interface SseStreamOptions<F> {
  topic: Topic<F>;
  filter: F;
  subject: Subject;
  after?: number;
  limits: StreamLimits;
  clock: Clock;
  /** Called once when the stream ends, whatever the reason. */
  onEnd(end: StreamEnd): void;
}

export interface SseStream {
  body: ReadableStream<Uint8Array>;
  /** Ends the stream from the server side (shutdown). */
  close(): void;
}

const encoder = new TextEncoder();
/** Live items held while a replay runs: shared objects, not copies, so more than the buffer is cheap. */
const PENDING_FACTOR = 10;

/**
 * A `text/event-stream` body for one subscriber: `id`/`event`/`data` messages, a comment
 * heartbeat every `limits.heartbeatMs` on the injected clock, a `live` message once the
 * replay is done. Frames wait in a buffer bounded in bytes and messages; the body is pulled
 * by the HTTP layer only as fast as the socket drains, so a slow reader fills its own buffer
 * and nobody else's. On overflow it gets a `gap` with the cursor to resume from and the
 * stream ends (at once once the gap is read, or after one heartbeat interval if it is not).
 */
export function createSseStream<F>(options: SseStreamOptions<F>): SseStream {
  const { topic, limits, clock } = options;
  const queue: string[] = [];
  let queuedBytes = 0;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let wanted = false;
  let pulls = 0;
  let ending = false;
  let ended = false;
  let endReason: StreamEnd['reason'] = 'client';
  let heartbeat: unknown;
  let killTimer: unknown;
  let readyWaiters: Array<() => void> = [];
  let feed: Feed | undefined;

  const flush = () => {
    if (!controller || !wanted || queue.length === 0) return;
    wanted = false;
    const chunk = queue.length === 1 ? queue[0]! : queue.join('');
    queue.length = 0;
    queuedBytes = 0;
    controller.enqueue(encoder.encode(chunk));
    if (readyWaiters.length > 0) {
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const w of waiters) w();
    }
  };
  const push = (frame: string, size = Buffer.byteLength(frame)) => {
    queue.push(frame);
    queuedBytes += size;
    flush();
  };
  const finish = (reason: StreamEnd['reason']) => {
    if (ended) return;
    ended = true;
    guard.cancel();
    clock.clearTimeout(heartbeat);
    clock.clearTimeout(killTimer);
    feed?.close();
    for (const w of readyWaiters) w();
    readyWaiters = [];
    options.onEnd({ reason, delivered: feed?.delivered ?? 0, lastCursor: String(feed?.lastSeq ?? 0) });
  };
  // Ends after what is queued (the gap, an error message) has been read.
  const endSoon = (reason: StreamEnd['reason']) => {
    if (ending) return;
    ending = true;
    endReason = reason;
    if (queue.length === 0 && wanted) {
      controller?.close();
      finish(reason);
      return;
    }
    killTimer = clock.setTimeout(() => {
      try {
        controller?.error(new Error('stream ended'));
      } catch {
        // already closed
      }
      finish(reason);
    }, limits.heartbeatMs);
  };

  const guard = overflowGuard({
    maxBytes: limits.maxBufferBytes,
    maxMessages: limits.maxBufferMessages,
    bytes: () => queuedBytes,
    messages: () => queue.length,
    progress: () => pulls,
    overflow: () => {
      if (ending || ended) return;
      feed?.close();
      push(sseGap(topic.name, { reason: 'overflow', cursor: String(feed?.lastSeq ?? 0) }));
      endSoon('overflow');
    },
  });
  const sink: FeedSink = {
    event(item) {
      if (ending) return false;
      push(sseEvent(topic.name, item));
      guard.touch();
      return true;
    },
    gap(gap) {
      push(sseGap(topic.name, gap));
    },
    pressured: () => queue.length * 2 > limits.maxBufferMessages || queuedBytes * 2 > limits.maxBufferBytes,
    ready: () => (ended || !sink.pressured() ? Promise.resolve() : new Promise<void>((resolve) => readyWaiters.push(resolve))),
    end(reason, error) {
      if (reason === 'error') push(sseControl('error', { code: 'unavailable', message: 'the stream source failed', ...(error ? { detail: errorFields(error).message } : {}) }));
      endSoon(reason);
    },
  };

  const beat = () => {
    heartbeat = clock.setTimeout(() => {
      if (ended) return;
      if (!ending && queue.length < limits.maxBufferMessages) push(': heartbeat\n\n');
      beat();
    }, limits.heartbeatMs);
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        queue.push(`retry: 2000\n: ${topic.name} stream\n\n`);
        feed = openFeed({ topic, filter: options.filter, subject: options.subject, ...(options.after !== undefined ? { after: options.after } : {}), sink, maxPendingLive: limits.maxBufferMessages * PENDING_FACTOR });
        void feed.live.then(() => {
          if (!ending && !ended) push(sseControl('live', { topic: topic.name, cursor: String(feed!.lastSeq) }));
        });
        beat();
      },
      pull() {
        pulls++;
        wanted = true;
        if (queue.length > 0) flush();
        else if (ending && !ended) {
          controller?.close();
          finish(endReason);
        }
      },
      cancel() {
        finish('client');
      },
    },
    { highWaterMark: 0 },
  );

  return {
    body,
    close() {
      if (ended) return;
      try {
        controller?.close();
      } catch {
        // already closed
      }
      finish('shutdown');
    },
  };
}
