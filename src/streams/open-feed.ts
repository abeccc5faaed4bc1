import type { Subscription } from 'rxjs';
import type { Subject } from '../core/index.ts';
import type { Gap, StreamItem, Topic } from './types.ts';

/** Where a feed delivers: a transport's per-subscriber buffer. */
export interface FeedSink {
  /** Queues an item; `false` when the subscriber's buffer is full (the feed then ends with an overflow gap). */
  event(item: StreamItem): boolean;
  /** Sends a gap; always accepted. */
  gap(gap: Gap): void;
  /** True while the buffer is more than half full: replay waits for `ready()` then. */
  pressured(): boolean;
  /** Resolves once the buffer is at most half full (or the subscriber is gone). */
  ready(): Promise<void>;
  /** The feed ended because of an overflow (after its gap) or a source failure. */
  end(reason: 'overflow' | 'error', error?: unknown): void;
}

export interface FeedOptions<F> {
  topic: Topic<F>;
  filter: F;
  subject: Subject;
  /** Resume after this seq (store replay, then live); `undefined` for live only. */
  after?: number;
  sink: FeedSink;
  /** Most live items held while the replay runs; more is an overflow. */
  maxPendingLive: number;
}

export interface Feed {
  /** The seq of the last item handed to the sink (the resume cursor), or of the last gap. */
  readonly lastSeq: number;
  /** Items handed to the sink so far. */
  readonly delivered: number;
  /** Resolves when the replay phase is over (the feed is live), or it ended. */
  readonly live: Promise<void>;
  close(): void;
}

/**
 * One subscriber's view of a topic: with a cursor, everything after it from the store, then
 * live, without a gap or a duplicate. Live items are captured from the moment the feed opens
 * and held while the store is read; items read from the store at or below the last delivered
 * seq are dropped, and so are held live items once the replay has passed them. A cursor older
 * than what is retained gets an explicit `retention` gap first. Replay waits for the sink
 * while it is pressured, so a long backlog never floods a buffer; a live item the sink cannot
 * take ends the feed with an `overflow` gap carrying the cursor to resume from.
 *
 * @example
 * const feed = openFeed({ topic, filter, subject, after: 120, sink, maxPendingLive: 1000 });
 * await feed.live; // replay done
 * feed.close();
 */
export function openFeed<F>(options: FeedOptions<F>): Feed {
  const { topic, filter, subject, sink } = options;
  let lastSeq = options.after ?? 0;
  let delivered = 0;
  let closed = false;
  let replaying = options.after !== undefined;
  let pending: StreamItem[] = [];
  let subscription: Subscription | undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    subscription?.unsubscribe();
    pending = [];
  };

  const deliver = (item: StreamItem): boolean => {
    // Already delivered (seen in the store and again live): dropped, never sent twice.
    if (item.seq <= lastSeq) return true;
    if (!sink.event(item)) {
      close();
      sink.gap({ reason: 'overflow', cursor: String(lastSeq) });
      sink.end('overflow');
      return false;
    }
    lastSeq = item.seq;
    delivered++;
    return true;
  };

  const accept = (item: StreamItem) => topic.matches(item, filter) && topic.visible(item, subject);

  subscription = topic.source.live$.subscribe((item) => {
    if (closed || !accept(item)) return;
    if (!replaying) {
      deliver(item);
      return;
    }
    if (pending.length >= options.maxPendingLive) {
      close();
      sink.gap({ reason: 'overflow', cursor: String(lastSeq) });
      sink.end('overflow');
      return;
    }
    pending.push(item);
  });

  const live = (async () => {
    if (!replaying) return;
    try {
      const after = options.after!;
      const [retained, head] = await Promise.all([topic.source.retainedAfter(), topic.source.head()]);
      if (closed) return;
      if (after < retained) {
        sink.gap({ reason: 'retention', cursor: String(retained), requested: String(after) });
        lastSeq = retained;
      } else if (after > head) {
        // A cursor this source never issued (another data directory, a reset store): say so
        // and continue from the head, rather than wait silently for seqs that may never come.
        sink.gap({ reason: 'retention', cursor: String(head), requested: String(after) });
        lastSeq = head;
      }
      for await (const item of topic.source.replay(lastSeq, filter)) {
        if (closed) return;
        if (item.seq <= lastSeq || !topic.visible(item, subject)) continue;
        if (!deliver(item)) return;
        if (sink.pressured()) await sink.ready();
      }
      if (closed) return;
      // Switch to live in one synchronous step: the held items the replay has not covered,
      // in order, then everything else as it comes.
      const held = pending;
      pending = [];
      replaying = false;
      for (const item of held) if (item.seq > lastSeq && !deliver(item)) return;
    } catch (error) {
      if (closed) return;
      close();
      sink.end('error', error);
    }
  })();

  return {
    get lastSeq() {
      return lastSeq;
    },
    get delivered() {
      return delivered;
    },
    live,
    close,
  };
}
