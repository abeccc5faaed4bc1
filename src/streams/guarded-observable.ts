import { Observable, Subscriber } from 'rxjs';
import type { Observer, Operator, Subscription } from 'rxjs';

/**
 * An Observable whose subscribers' callbacks are guarded: a `next`, `error` or `complete`
 * callback that throws is reported to `onError` instead of reaching RxJS's unhandled-error
 * path (which rethrows it asynchronously and ends the process). Operators applied with
 * `pipe` keep the guard; the other subscribers of the source never notice. This replaces a
 * process-global `rxjs` `config.onUnhandledError`, which every runtime would overwrite.
 */
export class GuardedObservable<T> extends Observable<T> {
  constructor(
    private readonly onError: (error: unknown) => void,
    subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => (() => void) | Subscription | void,
  ) {
    super(subscribe);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new GuardedObservable<R>(this.onError);
    (observable as unknown as { source: Observable<T> }).source = this;
    (observable as unknown as { operator?: Operator<T, R> }).operator = operator;
    return observable;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null, error?: ((error: unknown) => void) | null, complete?: (() => void) | null): Subscription {
    // Operator chains subscribe with their own Subscribers: those are not user callbacks.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const guard =
      <A extends unknown[]>(fn: ((...args: A) => void) | undefined | null, self?: unknown) =>
      (...args: A) => {
        if (!fn) return;
        try {
          fn.apply(self, args);
        } catch (e) {
          this.onError(e);
        }
      };
    if (typeof observerOrNext === 'function' || observerOrNext == null) {
      return super.subscribe({
        next: guard(observerOrNext ?? undefined),
        ...(error ? { error: guard(error) } : {}),
        ...(complete ? { complete: guard(complete) } : {}),
      });
    }
    const o = observerOrNext;
    return super.subscribe({
      next: guard(o.next?.bind(o)),
      ...(o.error ? { error: guard(o.error.bind(o)) } : {}),
      ...(o.complete ? { complete: guard(o.complete.bind(o)) } : {}),
    });
  }
}

/** `source` with every subscriber guarded (see {@link GuardedObservable}). */
export function guarded<T>(source: Observable<T>, onError: (error: unknown) => void): Observable<T> {
  return new GuardedObservable<T>(onError, (subscriber) => source.subscribe(subscriber));
}
