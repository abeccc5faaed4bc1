import type { Subscription } from 'rxjs';
import type { Runtime } from '../actors/types.ts';

/** Called once per subscribed URI when its run ends. */
export type Notify = (uri: string) => void;

interface Watch {
  subscription?: Subscription;
  /** sessionId → (uri → notify) */
  listeners: Map<string, Map<string, Notify>>;
}

/**
 * Routes run terminal transitions to subscribed sessions. One `runtime.terminal$`
 * subscription per run, shared by every session and URI that watches it (`…/{id}` and
 * `…/{id}/logs` are separate URIs of the same run); when it fires, every listener is told at
 * once, synchronously, and the watch ends. Nothing polls.
 */
export class SubscriptionHub {
  readonly #runtime: Runtime;
  readonly #watches = new Map<string, Watch>();
  readonly #onError: (error: unknown) => void;

  constructor(runtime: Runtime, onError: (error: unknown) => void) {
    this.#runtime = runtime;
    this.#onError = onError;
  }

  /** Number of runs currently watched. */
  get watchedRuns(): number {
    return this.#watches.size;
  }

  /** Registers `sessionId`'s interest in `uri` (a URI of run `name/dagRunId`). */
  add(sessionId: string, uri: string, run: { name: string; dagRunId: string }, notify: Notify): void {
    const key = `${run.name}\u0000${run.dagRunId}`;
    let watch = this.#watches.get(key);
    const fresh = !watch;
    if (!watch) {
      watch = { listeners: new Map() };
      this.#watches.set(key, watch);
    }
    let uris = watch.listeners.get(sessionId);
    if (!uris) watch.listeners.set(sessionId, (uris = new Map()));
    uris.set(uri, notify);
    if (!fresh) return;
    const w = watch;
    // terminal$ may emit synchronously for a run that has already ended; the listener is in place.
    const sub = this.#runtime.terminal$(run.name, run.dagRunId).subscribe({
      next: () => this.#fire(key, w),
      error: (e) => {
        this.#drop(key, w);
        this.#onError(e);
      },
    });
    if (this.#watches.get(key) === w) w.subscription = sub;
    else sub.unsubscribe();
  }

  /** Removes one URI of one session. */
  remove(sessionId: string, uri: string): void {
    for (const [key, watch] of this.#watches) {
      const uris = watch.listeners.get(sessionId);
      if (!uris?.delete(uri)) continue;
      if (uris.size === 0) watch.listeners.delete(sessionId);
      if (watch.listeners.size === 0) this.#drop(key, watch);
    }
  }

  /** Removes everything a session watched (session close). */
  removeSession(sessionId: string): void {
    for (const [key, watch] of this.#watches) {
      if (!watch.listeners.delete(sessionId)) continue;
      if (watch.listeners.size === 0) this.#drop(key, watch);
    }
  }

  /** Ends every watch. */
  close(): void {
    for (const [key, watch] of this.#watches) this.#drop(key, watch);
  }

  #fire(key: string, watch: Watch): void {
    this.#drop(key, watch);
    for (const uris of watch.listeners.values()) {
      for (const [uri, notify] of uris) {
        try {
          notify(uri);
        } catch (e) {
          this.#onError(e);
        }
      }
    }
  }

  #drop(key: string, watch: Watch): void {
    if (this.#watches.get(key) === watch) this.#watches.delete(key);
    watch.subscription?.unsubscribe();
  }
}
