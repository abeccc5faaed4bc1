import { Subject, filter as rxFilter } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import { TroupeError, newId, systemClock } from '../core/index.ts';
import type { Clock, OperationOrigin } from '../core/index.ts';
import { batch } from '../streams/batch.ts';
import { attributeEntry } from './attribute.ts';
import { GENESIS_HASH, SealSlab, sealDraft, sealDraftInto } from './chain.ts';
import type { UnsealedEntry } from './chain.ts';
import { encodeCursor, equalsOf, matchesQuery, toStoreQuery } from './filter.ts';
import type { AuditStore, ChainPoint, SealedEntry } from './ports.ts';
import type { AuditEntry, AuditInput, AuditTrail } from './types.ts';
import { verifyChain } from './verify-chain.ts';

/** Options of {@link createAuditTrail}. */
export interface AuditTrailOptions {
  /** Where entries live: the LevelDB adapter (`createLevelAuditStore(db)` in src/store) or another backend. */
  store: AuditStore;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** What happens to state changes when the store cannot write. @defaultValue 'fail_closed' */
  onFailure?: 'fail_closed' | 'fail_open';
  /** Entries older than this many days are purged at open and every 24 h; 0 keeps everything. @defaultValue 7 */
  retentionDays?: number;
  /**
   * Purge at open and every 24 h by itself. The audit thread turns this off: its owner on the
   * main thread schedules purges on the injected clock. @defaultValue true
   */
  autoPurge?: boolean;
  /**
   * Longest wait before a batch of plain `record` entries is written while the trail is quiet.
   * A `recordDurable` entry does not wait: it closes the open batch at once, so an
   * acknowledgement waits for one write only. @defaultValue 10
   */
  batchMs?: number;
  /**
   * The window once the trail is busy (the batch before held at least `busyBatch` entries).
   * Longer windows make fewer, larger writes that share their index blocks: 50 ms took a third
   * of the audit trail's main-thread cost off a 2025-era MCP read call under load (a one-off ablation, bench/results/mcp.md),
   * while a quiet trail keeps the short window, so the live audit stream stays prompt. Bounds
   * what a crash can lose of unacknowledged entries. @defaultValue 50
   */
  busyBatchMs?: number;
  /** Entries in a batch from which the next window is `busyBatchMs`. @defaultValue 16 */
  busyBatch?: number;
  /** A batch is handed to the writer as soon as it holds this many entries. @defaultValue 500 */
  maxBatch?: number;
  /**
   * Most entries in one LevelDB write. Under sustained load batches queue up while a write is
   * in flight; the writer takes them together, up to this many, so the per-batch index blocks
   * are shared by more entries. @defaultValue 2000
   */
  maxWrite?: number;
  /** Most unwritten entries held in memory while the store fails. @defaultValue 100000 */
  maxRetained?: number;
  /** First retry delay after a failed write; doubles up to 30 s. @defaultValue 250 */
  retryMs?: number;
  /** Where write failures are reported. @defaultValue a line on stderr */
  logger?: (message: string) => void;
}

/**
 * The trail as its own process sees it: also takes entries attributed elsewhere (the main
 * thread attributes them, from its operation context, and hands them to the audit thread).
 */
export interface AuditTrailCore extends AuditTrail {
  /** `record` for an entry already made by `attributeEntry`. */
  recordEntry(entry: UnsealedEntry): void;
  /** `recordDurable` for an entry already made by `attributeEntry`. */
  recordEntryDurable(entry: UnsealedEntry): Promise<AuditEntry>;
}

interface Pending {
  entry: UnsealedEntry;
  /** Position in the order entries were accepted (1, 2, ...), for `flush`. */
  ordinal: number;
  durable?: { resolve: (e: AuditEntry) => void; reject: (e: unknown) => void };
}

/** Entries taken from the queue and sealed for one write. */
interface Chunk {
  items: Pending[];
  sealed: SealedEntry[];
  /** The chain point after this write. */
  last: ChainPoint;
  /** The loss record written with this chunk, if any (not retried: it is rebuilt). */
  lostRecord?: { count: number; first: string; last: string };
}

const DAY_MS = 24 * 3600 * 1000;
const MAX_RETRY_MS = 30_000;
const INTERNAL: OperationOrigin = { source: 'internal', correlationId: '', userId: '', username: 'system' };

function unref(handle: unknown): void {
  (handle as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * Opens the audit trail: a hash-chained, indexed log in `store` (with LevelDB, the `audit*`
 * sublevels of the data directory's database). Entries are attributed from the operation context, redacted, batched, then sealed
 * (seq and hash) by a single writer, so the chain is gap-free and ordered.
 *
 * When a write fails the entries stay in memory (up to `maxRetained`) and are retried with
 * back-off; nothing is dropped without a trace: if the buffer overflows, the loss itself is
 * written as an `audit_entries_lost` entry once the store recovers. Under `fail_closed` the
 * trail is unhealthy until a write succeeds again: `assertWritable()` and `recordDurable()`
 * reject with `AUDIT_UNAVAILABLE`. Under `fail_open` both proceed and the failure is logged.
 *
 * @example
 * const trail = await createAuditTrail({ store: createLevelAuditStore(db), onFailure: config.audit.onFailure, retentionDays: config.audit.retentionDays });
 * await trail.assertWritable(); // before a state change
 * trail.record({ category: 'dag', action: 'dag_update', resource_type: 'dag', resource_id: name });
 */
export async function createAuditTrail(options: AuditTrailOptions): Promise<AuditTrailCore> {
  const store = options.store;
  const clock = options.clock ?? systemClock;
  const failClosed = (options.onFailure ?? 'fail_closed') === 'fail_closed';
  const retentionDays = options.retentionDays ?? 7;
  const maxRetained = options.maxRetained ?? 100_000;
  const retryBaseMs = options.retryMs ?? 250;
  const log = options.logger ?? ((m: string) => void process.stderr.write(`troupe audit: ${m}\n`));

  const [head, checkpoint] = await Promise.all([store.head(), store.checkpoint()]);
  let last: ChainPoint = head ?? checkpoint ?? { seq: 0, hash: GENESIS_HASH };

  let healthy = true;
  let lastError = '';
  let closed = false;
  const maxWrite = Math.max(1, options.maxWrite ?? 2000);
  // Entries handed over by the batcher and not yet written, oldest first; after a failed write
  // its entries go back to the front, so they stay ahead of everything recorded later.
  let queue: Pending[] = [];
  // Entries handed to the batcher and not yet given to the writer.
  let batching = 0;
  // Ordinals: the last accepted entry, and the last one written (entries are written in order).
  let accepted = 0;
  let writtenThrough = 0;
  let lost: { count: number; first: string; last: string } | undefined;
  let retryDelay = retryBaseMs;
  let retryTimer: unknown;
  let purgeTimer: unknown;
  let drainQueued = false;
  const slab = new SealSlab();
  // A loss record is in a write that has not settled yet (at most one at a time).
  let lossInFlight = false;
  // The single writer: every drain and purge runs on this chain, one after another.
  let chain: Promise<void> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task);
    chain = run.then(
      () => {},
      () => {},
    );
    return run;
  };

  const quietBatchMs = options.batchMs ?? 10;
  const busyBatchMs = Math.max(quietBatchMs, options.busyBatchMs ?? 50);
  const busyBatch = options.busyBatch ?? 16;
  const input$ = new Subject<Pending>();
  const flush$ = new Subject<void>();
  const written$ = new Subject<AuditEntry>();
  const batches: Subscription = input$
    .pipe(batch({ maxMs: (previous) => (previous >= busyBatch ? busyBatchMs : quietBatchMs), maxCount: options.maxBatch ?? 500, flush$ }))
    .subscribe((items) => {
      batching -= items.length;
      for (const p of items) queue.push(p);
      scheduleDrain();
    });

  const unavailable = () =>
    new TroupeError('AUDIT_UNAVAILABLE', `the audit trail cannot write${lastError ? ` (${lastError})` : ''}; state changes are refused until it recovers`);

  function markUnhealthy(error: unknown): void {
    const message = (error as Error)?.message ?? String(error);
    if (healthy || message !== lastError) log(`write failed${queue.length ? `, ${queue.length} entries held for retry` : ''}: ${message}`);
    healthy = false;
    lastError = message;
  }

  function scheduleDrain(): void {
    if (drainQueued) return;
    drainQueued = true;
    void serial(drain);
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined || queue.length === 0) return;
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      scheduleDrain();
    }, retryDelay);
    unref(retryTimer);
    retryDelay = Math.min(MAX_RETRY_MS, retryDelay * 2);
  }

  // Takes up to `maxWrite` queued entries and seals them after `after` (seq and hash chain).
  // With the queue emptied, a pending loss record is appended, after everything that was held.
  function takeChunk(after: ChainPoint): Chunk | undefined {
    const items = queue.length <= maxWrite ? queue : queue.slice(0, maxWrite);
    queue = items === queue ? [] : queue.slice(maxWrite);
    let lostRecord: Chunk['lostRecord'];
    if (queue.length === 0 && lost && !lossInFlight) {
      lostRecord = lost;
      lossInFlight = true;
      items.push({ ordinal: 0, entry: attributeEntry({ category: 'system', action: 'audit_entries_lost', result: 'failed', origin: INTERNAL, details: { count: lost.count, first_at: lost.first, last_at: lost.last } }, clock.now()) });
    }
    if (items.length === 0) return undefined;
    const sealed: SealedEntry[] = new Array(items.length);
    let prev = after;
    for (let i = 0; i < items.length; i++) {
      const s = sealDraftInto(items[i]!.entry, prev.seq + 1, prev.hash, slab);
      sealed[i] = s;
      prev = s.entry;
    }
    return { items, sealed, last: { seq: prev.seq, hash: prev.hash }, ...(lostRecord ? { lostRecord } : {}) };
  }

  function startWrite(chunk: Chunk): Promise<unknown> {
    // Settles with the error, or undefined on success; never rejects.
    if (!store!.writable()) return Promise.resolve(new Error('the store is closed'));
    return store!.append(chunk.sealed).then(
      () => undefined,
      (error: unknown) => error ?? new Error('write failed'),
    );
  }

  function written(chunk: Chunk): void {
    last = chunk.last;
    if (chunk.lostRecord) {
      lossInFlight = false;
      // Entries lost after the record was built are still counted, for the next record.
      lost = lost === chunk.lostRecord ? undefined : lost && { ...lost, count: lost.count - chunk.lostRecord.count };
    }
    if (!healthy) log('writes succeed again');
    healthy = true;
    lastError = '';
    retryDelay = retryBaseMs;
    const { items, sealed } = chunk;
    for (let i = 0; i < items.length; i++) {
      const p = items[i]!;
      if (p.ordinal > writtenThrough) writtenThrough = p.ordinal;
      p.durable?.resolve(sealed[i]!.entry);
    }
    if (written$.observed) for (const s of sealed) written$.next(s.entry);
  }

  function failed(error: unknown, chunks: Chunk[]): void {
    // Everything stays, in order, ahead of later entries (minus loss records: rebuilt next time).
    const held: Pending[] = [];
    for (const c of chunks) for (const p of c.items) if (p.ordinal !== 0) held.push(p);
    lossInFlight = false;
    queue = held.concat(queue);
    markUnhealthy(error);
    for (const p of queue) {
      if (!p.durable) continue;
      if (failClosed) p.durable.reject(unavailable());
      else p.durable.resolve({ ...p.entry, seq: 0, prev_hash: '', hash: '' });
      p.durable = undefined;
    }
    scheduleRetry();
  }

  // Writes everything queued. Pipelined: the next chunk is sealed (serialization and hashing,
  // JavaScript) while the previous one is written (LevelDB, on a worker thread); it is only
  // written once its predecessor succeeded, so the stored chain never has a gap.
  async function drain(): Promise<void> {
    drainQueued = false;
    let inflight: { chunk: Chunk; done: Promise<unknown> } | undefined;
    for (;;) {
      const next = takeChunk(inflight ? inflight.chunk.last : last);
      if (inflight) {
        const error = await inflight.done;
        if (error !== undefined) {
          failed(error, next ? [inflight.chunk, next] : [inflight.chunk]);
          return;
        }
        written(inflight.chunk);
      }
      if (!next) return;
      inflight = { chunk: next, done: startWrite(next) };
    }
  }

  function enqueue(entry: UnsealedEntry, durable?: Pending['durable']): void {
    if (closed) {
      log(`entry ${entry.action} after close was not written`);
      durable?.reject(new TroupeError('AUDIT_UNAVAILABLE', 'the audit trail is closed'));
      return;
    }
    if (!healthy && queue.length + batching >= maxRetained) {
      // Bounded memory: the newest entries are counted as lost, and the count is written later.
      lost = lost ? { ...lost, count: lost.count + 1, last: entry.timestamp } : { count: 1, first: entry.timestamp, last: entry.timestamp };
      if (lost.count === 1) log(`retained buffer full (${maxRetained}); further entries are counted as lost until the store recovers`);
      durable?.reject(unavailable());
      return;
    }
    batching++;
    if (durable) {
      // Somebody waits for this one: hand the open batch to the writer now.
      input$.next({ entry, ordinal: ++accepted, durable });
      flush$.next();
    } else input$.next({ entry, ordinal: ++accepted });
  }

  async function purge(now: number = clock.now()): Promise<number> {
    if (retentionDays <= 0) return 0;
    const cutoff = new Date(now - retentionDays * DAY_MS).toISOString();
    return serial(async () => {
      let cleanup: AuditEntry | undefined;
      const outcome = await store!.purge(cutoff, (o) => {
        const entry = attributeEntry(
          {
            category: 'system',
            action: 'audit_cleanup',
            result: 'succeeded',
            origin: INTERNAL,
            details: {
              purged_from: o.from,
              purged_to: o.to,
              entries_removed: o.removed,
              retention_days: retentionDays,
              checkpoint_seq: o.checkpoint?.seq,
              checkpoint_hash: o.checkpoint?.hash,
            },
          },
          now,
        );
        const s = sealDraft(entry, last.seq + 1, last.hash);
        cleanup = s.entry;
        return [s];
      });
      if (cleanup) {
        last = { seq: cleanup.seq, hash: cleanup.hash };
        written$.next(cleanup);
      }
      return outcome.removed;
    });
  }

  function schedulePurge(): void {
    if (closed || retentionDays <= 0) return;
    purgeTimer = clock.setTimeout(() => {
      purge().catch((e: unknown) => log(`retention purge failed: ${(e as Error)?.message ?? String(e)}`)).finally(schedulePurge);
    }, DAY_MS);
    unref(purgeTimer);
  }

  function recordEntryDurable(entry: UnsealedEntry): Promise<AuditEntry> {
    if (failClosed && !healthy) {
      // Refused at once, but still kept: it is written with the held entries on recovery.
      enqueue(entry);
      return Promise.reject(unavailable());
    }
    return new Promise<AuditEntry>((resolve, reject) => enqueue(entry, { resolve, reject }));
  }

  async function flush(): Promise<void> {
    // Emitting on flush$ hands the open batch to the writer synchronously, so a drain on the
    // writer's chain afterwards covers everything accepted before this call.
    const target = accepted;
    flush$.next();
    await serial(async () => {
      if (writtenThrough < target || lost) await drain();
    });
    if (writtenThrough < target || lost) throw unavailable();
  }

  if (retentionDays > 0 && options.autoPurge !== false) {
    await purge().catch((e: unknown) => log(`retention purge failed: ${(e as Error)?.message ?? String(e)}`));
    schedulePurge();
  }

  return {
    record(input: AuditInput): void {
      try {
        enqueue(attributeEntry(input, clock.now()));
      } catch (error) {
        log(`entry ${input?.action} could not be built: ${(error as Error)?.message ?? String(error)}`);
      }
    },

    recordDurable(input: AuditInput): Promise<AuditEntry> {
      try {
        return recordEntryDurable(attributeEntry(input, clock.now()));
      } catch (error) {
        return Promise.reject(error);
      }
    },

    recordEntry(entry: UnsealedEntry): void {
      enqueue(entry);
    },

    recordEntryDurable,

    flush,

    async assertWritable(): Promise<void> {
      if (!failClosed) return;
      if (healthy && !store!.writable()) markUnhealthy(new Error('the store is closed'));
      if (!healthy) throw unavailable();
    },

    async query(filter) {
      const q = toStoreQuery(filter ?? {});
      const page = await store!.query(q);
      const lastEntry = page.entries[page.entries.length - 1];
      return {
        entries: page.entries,
        total: page.total,
        ...(page.more && lastEntry ? { next_cursor: encodeCursor(lastEntry) } : {}),
      };
    },

    tail$(filter = {}): Observable<AuditEntry> {
      const equals = equalsOf(filter);
      return written$.pipe(rxFilter((e) => matchesQuery(e, { equals })));
    },

    verify() {
      return verifyChain(store!);
    },

    purge,

    async close(): Promise<void> {
      if (closed) return;
      try {
        await flush();
      } catch {
        log(`closing with ${queue.length} entries that could not be written`);
      }
      closed = true;
      clock.clearTimeout(retryTimer);
      clock.clearTimeout(purgeTimer);
      batches.unsubscribe();
      written$.complete();
      await chain;
      await store!.close();
    },
  };
}
