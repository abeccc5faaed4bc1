import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';

/** Options of {@link batch}. */
export interface BatchOptions {
  /**
   * Longest time an item waits after the first item of its batch arrived; a function is asked
   * when each batch opens, with the size of the batch emitted before (0 for the first), so a
   * window can grow with load.
   */
  maxMs: number | ((previousSize: number) => number);
  /** A batch is emitted as soon as it holds this many items. */
  maxCount: number;
  /** Emits the current batch (if any) right away whenever this emits. */
  flush$?: Observable<unknown>;
  /** @defaultValue asyncScheduler (tests pass a TestScheduler) */
  scheduler?: SchedulerLike;
}

/**
 * Groups items into arrays: a batch closes `maxMs` after its first item, when it reaches
 * `maxCount` items, or when `flush$` emits. Never emits an empty array, and, unlike
 * `bufferTime`, schedules no timer while idle. On completion the partial batch is emitted.
 */
export function batch<T>(options: BatchOptions): OperatorFunction<T, T[]> {
  const { maxMs, maxCount, scheduler = asyncScheduler } = options;
  if (!(maxCount >= 1)) throw new TypeError('batch: maxCount must be at least 1');
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let buffer: T[] = [];
      let timer: Subscription | undefined;
      let previousSize = 0;
      const windowMs = typeof maxMs === 'function' ? () => maxMs(previousSize) : () => maxMs;
      const emit = () => {
        timer?.unsubscribe();
        timer = undefined;
        if (buffer.length === 0) return;
        const out = buffer;
        buffer = [];
        previousSize = out.length;
        subscriber.next(out);
      };
      const flushSub = options.flush$?.subscribe({ next: emit });
      const sourceSub = source.subscribe({
        next(item) {
          buffer.push(item);
          if (buffer.length >= maxCount) emit();
          // The window opens with the first item of a batch, so an idle stream costs nothing.
          else if (!timer) timer = scheduler.schedule(emit, windowMs());
        },
        error(err) {
          timer?.unsubscribe();
          subscriber.error(err);
        },
        complete() {
          emit();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        flushSub?.unsubscribe();
        sourceSub.unsubscribe();
      };
    });
}
