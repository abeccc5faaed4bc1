import type { Clock } from '../core/index.ts';
import type { TransitionRecord } from './events.ts';
import type { RunStore } from './ports.ts';
import type { RunRecord } from './types.ts';

/**
 * Coalesces record writes: many events of one run within a window become one write of its
 * latest record, and all dirty runs, the transitions appended meanwhile and the sequence
 * lease go out in one atomic batch. Writes never overlap; a failed batch stays dirty and is
 * retried with a capped backoff, so nothing is dropped. Timers run on the injected clock.
 */
export class RecordWriter {
  private dirty = new Map<string, RunRecord>();
  private transitions: TransitionRecord[] = [];
  private lease: number | undefined;
  private writing: Promise<void> | undefined;
  private scheduled = false;
  private failures = 0;
  private idleWaiters: Array<() => void> = [];
  /** The last write error, cleared by the next successful write. */
  lastError: Error | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly onError: (error: Error) => void,
    private readonly clock: Clock,
    private readonly coalesceMs = 20,
  ) {}

  /** Queues a transition for the next batch. */
  appendTransition(t: TransitionRecord): void {
    this.transitions.push(t);
    this.schedule(this.coalesceMs);
  }

  /** Raises the persisted sequence lease with the next batch. */
  extendLease(upTo: number): void {
    this.lease = Math.max(this.lease ?? 0, upTo);
    this.schedule(0);
  }

  /** Writes the lease now; resolves when it is durable. */
  async leaseNow(upTo: number): Promise<void> {
    this.lease = Math.max(this.lease ?? 0, upTo);
    await this.idle();
    if (this.lastError && this.lease !== undefined) throw this.lastError;
  }

  private get empty(): boolean {
    return this.dirty.size === 0 && this.transitions.length === 0 && this.lease === undefined;
  }

  /**
   * Marks a run's record for writing within `coalesceMs`. Busy runs change many times a
   * millisecond; one write of the latest record per window is enough for them, while
   * transitions that matter (creation, the end) go through `writeNow`.
   */
  write(key: string, record: RunRecord): void {
    this.dirty.set(key, record);
    this.schedule(this.coalesceMs);
  }

  /** Writes the record now (with anything else dirty) and resolves when it is durable. */
  async writeNow(key: string, record: RunRecord): Promise<void> {
    this.dirty.set(key, record);
    await this.idle();
    if (this.lastError && this.dirty.has(key)) throw this.lastError;
  }

  private closed = false;
  private timer: unknown;

  private schedule(delayMs: number, retry = false): void {
    if (this.closed) return;
    // An urgent write does not wait for a pending coalescing window.
    if (delayMs === 0 && this.timer !== undefined && !retry && this.failures === 0) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = false;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.timer = undefined;
      void this.flush();
    };
    if (delayMs === 0) setImmediate(run);
    else {
      // The coalescing timer stays referenced (someone may await the write, and an unref'd
      // timer would let the process exit under them); a retry backoff must not keep a
      // process alive on its own.
      this.timer = this.clock.setTimeout(run, delayMs);
      if (retry) (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Writes what is dirty one last time, then accepts no more work. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    this.settle();
  }

  private async flush(): Promise<void> {
    if (this.writing || this.closed) return;
    if (this.empty) return this.settle();
    const batch = this.dirty;
    const transitions = this.transitions;
    const lease = this.lease;
    this.dirty = new Map();
    this.transitions = [];
    this.lease = undefined;
    const extras = { ...(transitions.length > 0 ? { transitions } : {}), ...(lease !== undefined ? { seqLease: lease } : {}) };
    this.writing = this.store.putMany([...batch.values()], extras).then(
      () => {
        this.failures = 0;
        this.lastError = undefined;
      },
      (error: Error) => {
        // Keep what failed unless a newer version of the same record arrived meanwhile.
        for (const [k, v] of batch) if (!this.dirty.has(k)) this.dirty.set(k, v);
        this.transitions = transitions.concat(this.transitions);
        if (lease !== undefined) this.lease = Math.max(lease, this.lease ?? 0);
        this.failures++;
        this.lastError = error;
        this.onError(error);
      },
    );
    await this.writing;
    this.writing = undefined;
    if (!this.empty) {
      if (this.failures > 0) {
        this.schedule(Math.min(5000, 50 * 2 ** Math.min(this.failures, 7)), true);
        // Callers waiting for durability learn about the failure now rather than after retries.
        this.settle();
      } else this.schedule(0);
    } else this.settle();
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once nothing is dirty or a write attempt has failed. */
  idle(): Promise<void> {
    if ((this.empty && !this.writing) || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule(0);
    });
  }

  /** True when records are waiting to be written. */
  get pending(): number {
    return this.dirty.size;
  }
}
