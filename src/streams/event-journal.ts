import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { StreamItem, TopicSource } from './types.ts';

export interface EventJournalOptions {
  /** Most items kept for replay; the oldest are dropped first. @defaultValue 10000 */
  capacity?: number;
  /** Everything at or below this seq predates the journal (a previous process life). @defaultValue 0 */
  startAfter?: number;
}

/** An in-memory, bounded, seq-ordered log that is also a {@link TopicSource}. */
export interface EventJournal<F> extends TopicSource<F> {
  /** Appends an item (its seq must be above every earlier one) and publishes it on `live$`. */
  append(item: StreamItem): void;
  readonly size: number;
}

/**
 * A ring buffer of the newest `capacity` items with replay after a seq: the source of topics
 * whose items are not (yet) persisted in a queryable order. A cursor older than the oldest
 * kept item, or from before the journal started, is answered with a `retention` gap.
 *
 * @example
 * const journal = createEventJournal<RunFilter>((item, f) => item.data.name === f.name, { capacity: 10_000 });
 * journal.append({ seq: 1, type: 'run.started', data: { name: 'hello' } });
 */
export function createEventJournal<F>(matches: (item: StreamItem, filter: F) => boolean, options: EventJournalOptions = {}): EventJournal<F> {
  const capacity = Math.max(1, options.capacity ?? 10_000);
  const ring: Array<StreamItem | undefined> = new Array(capacity);
  let start = 0; // index of the oldest item
  let size = 0;
  let dropped = options.startAfter ?? 0; // seq of the newest item no longer kept
  let head = dropped;
  const live = new Subject<StreamItem>();
  const at = (i: number) => ring[(start + i) % capacity]!;

  // Index of the first kept item with seq > after.
  const firstAfter = (after: number): number => {
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid).seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    live$: live.asObservable() as Observable<StreamItem>,
    get size() {
      return size;
    },
    append(item) {
      if (!(item.seq > head)) throw new TypeError(`journal: seq ${item.seq} is not above ${head}`);
      if (size === capacity) {
        dropped = at(0).seq;
        ring[start] = undefined;
        start = (start + 1) % capacity;
        size--;
      }
      ring[(start + size) % capacity] = item;
      size++;
      head = item.seq;
      live.next(item);
    },
    retainedAfter: async () => dropped,
    head: async () => head,
    async *replay(after, filter) {
      // Copied first: appends while the consumer is paused must not shift what is read.
      const items: StreamItem[] = [];
      for (let i = firstAfter(after); i < size; i++) {
        const item = at(i);
        if (matches(item, filter)) items.push(item);
      }
      yield* items;
    },
  };
}
