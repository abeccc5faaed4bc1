import type { RunStore } from './ports.ts';
import type { RunRecord } from './types.ts';

/**
 * Coalesces record writes: many transitions of one run within a tick become one write of its
 * latest record, and all dirty runs go out in one atomic batch. Writes never overlap; a
 * failed batch stays dirty and is retried with a capped backoff, so nothing is dropped.
 */
export class RecordWriter {
  private dirty = new Map<string, RunRecord>();
  private writing: Promise<void> | undefined;
  private scheduled = false;
  private failures = 0;
  private idleWaiters: Array<() => void> = [];
  /** The last write error, cleared by the next successful write. */
  lastError: Error | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly onError: (error: Error) => void,
    private readonly coalesceMs = 20,
  ) {}

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
  private timer: NodeJS.Timeout | undefined;

  private schedule(delayMs: number, retry = false): void {
    if (this.closed) return;
    // An urgent write does not wait for a pending coalescing window.
    if (delayMs === 0 && this.timer && !retry && this.failures === 0) {
      clearTimeout(this.timer);
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
      this.timer = setTimeout(run, delayMs);
      if (retry) this.timer.unref();
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
    if (this.dirty.size === 0) return this.settle();
    const batch = this.dirty;
    this.dirty = new Map();
    this.writing = this.store.putMany([...batch.values()]).then(
      () => {
        this.failures = 0;
        this.lastError = undefined;
      },
      (error: Error) => {
        // Keep what failed unless a newer version of the same record arrived meanwhile.
        for (const [k, v] of batch) if (!this.dirty.has(k)) this.dirty.set(k, v);
        this.failures++;
        this.lastError = error;
        this.onError(error);
      },
    );
    await this.writing;
    this.writing = undefined;
    if (this.dirty.size > 0) {
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
    if ((this.dirty.size === 0 && !this.writing) || this.closed) return Promise.resolve();
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
