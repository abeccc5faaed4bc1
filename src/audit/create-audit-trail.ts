import { Subject, filter as rxFilter } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import { TroupeError, newId, systemClock } from '../core/index.ts';
import type { Clock, OperationOrigin } from '../core/index.ts';
import { batch } from '../streams/index.ts';
import { createLevelAuditStore } from '../store/level-audit-store.ts';
import type { Database } from '../store/database.ts';
import { attributeEntry } from './attribute.ts';
import { GENESIS_HASH, sealDraft } from './chain.ts';
import type { UnsealedEntry } from './chain.ts';
import { encodeCursor, equalsOf, matchesQuery, toStoreQuery } from './filter.ts';
import type { AuditStore, ChainPoint, SealedEntry } from './ports.ts';
import type { AuditEntry, AuditInput, AuditTrail } from './types.ts';
import { verifyChain } from './verify-chain.ts';

/** Options of {@link createAuditTrail}. */
export interface AuditTrailOptions {
  /** The data directory's database; the trail takes its `audit*` sublevels. */
  db?: Database;
  /** Another store behind the port instead of `db` (tests, other backends). */
  store?: AuditStore;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** What happens to state changes when the store cannot write. @defaultValue 'fail_closed' */
  onFailure?: 'fail_closed' | 'fail_open';
  /** Entries older than this many days are purged at open and every 24 h; 0 keeps everything. @defaultValue 7 */
  retentionDays?: number;
  /** Longest wait before a batch is written. @defaultValue 10 */
  batchMs?: number;
  /** Most entries in one batch. @defaultValue 500 */
  maxBatch?: number;
  /** Most unwritten entries held in memory while the store fails. @defaultValue 100000 */
  maxRetained?: number;
  /** First retry delay after a failed write; doubles up to 30 s. @defaultValue 250 */
  retryMs?: number;
  /** Where write failures are reported. @defaultValue a line on stderr */
  logger?: (message: string) => void;
}

interface Pending {
  entry: UnsealedEntry;
  durable?: { resolve: (e: AuditEntry) => void; reject: (e: unknown) => void };
}

const DAY_MS = 24 * 3600 * 1000;
const MAX_RETRY_MS = 30_000;
const INTERNAL: OperationOrigin = { source: 'internal', correlationId: '', userId: '', username: 'system' };

function unref(handle: unknown): void {
  (handle as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * Opens the audit trail: a hash-chained, indexed log in the `audit*` sublevels of `db` (or in
 * `store`). Entries are attributed from the operation context, redacted, batched, then sealed
 * (seq and hash) by a single writer, so the chain is gap-free and ordered.
 *
 * When a write fails the entries stay in memory (up to `maxRetained`) and are retried with
 * back-off; nothing is dropped without a trace: if the buffer overflows, the loss itself is
 * written as an `audit_entries_lost` entry once the store recovers. Under `fail_closed` the
 * trail is unhealthy until a write succeeds again: `assertWritable()` and `recordDurable()`
 * reject with `AUDIT_UNAVAILABLE`. Under `fail_open` both proceed and the failure is logged.
 *
 * @example
 * const trail = await createAuditTrail({ db, onFailure: config.audit.onFailure, retentionDays: config.audit.retentionDays });
 * await trail.assertWritable(); // before a state change
 * trail.record({ category: 'dag', action: 'dag_update', resource_type: 'dag', resource_id: name });
 */
export async function createAuditTrail(options: AuditTrailOptions): Promise<AuditTrail> {
  const store = options.store ?? (options.db ? createLevelAuditStore(options.db) : undefined);
  if (!store) throw new TypeError('createAuditTrail needs a db or a store');
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
  // Entries whose write failed, oldest first; they go ahead of every later batch.
  let retained: Pending[] = [];
  // Entries handed to the batcher and not yet given to the writer.
  let batching = 0;
  let lost: { count: number; first: string; last: string } | undefined;
  let retryDelay = retryBaseMs;
  let retryTimer: unknown;
  let purgeTimer: unknown;
  // The single writer: every append and purge runs on this chain, one after another.
  let chain: Promise<void> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task);
    chain = run.then(
      () => {},
      () => {},
    );
    return run;
  };

  const input$ = new Subject<Pending>();
  const flush$ = new Subject<void>();
  const written$ = new Subject<AuditEntry>();
  const batches: Subscription = input$
    .pipe(batch({ maxMs: options.batchMs ?? 10, maxCount: options.maxBatch ?? 500, flush$ }))
    .subscribe((items) => {
      batching -= items.length;
      void serial(() => writeBatch(items));
    });

  const unavailable = () =>
    new TroupeError('AUDIT_UNAVAILABLE', `the audit trail cannot write${lastError ? ` (${lastError})` : ''}; state changes are refused until it recovers`);

  function markUnhealthy(error: unknown): void {
    const message = (error as Error)?.message ?? String(error);
    if (healthy || message !== lastError) log(`write failed${retained.length ? `, ${retained.length} entries held for retry` : ''}: ${message}`);
    healthy = false;
    lastError = message;
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined || retained.length === 0) return;
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      void serial(() => writeBatch([]));
    }, retryDelay);
    unref(retryTimer);
    retryDelay = Math.min(MAX_RETRY_MS, retryDelay * 2);
  }

  async function writeBatch(items: Pending[]): Promise<void> {
    const queue = retained.length > 0 ? retained.concat(items) : items;
    retained = [];
    if (lost) {
      // The overflow is itself recorded, after everything that was held.
      queue.push({ entry: attributeEntry({ category: 'system', action: 'audit_entries_lost', result: 'failed', origin: INTERNAL, details: { count: lost.count, first_at: lost.first, last_at: lost.last } }, clock.now()) });
    }
    if (queue.length === 0) return;
    const sealed: SealedEntry[] = [];
    let prev = last;
    for (const p of queue) {
      const s = sealDraft(p.entry, prev.seq + 1, prev.hash);
      sealed.push(s);
      prev = s.entry;
    }
    try {
      if (!store!.writable()) throw new Error('the store is closed');
      await store!.append(sealed);
    } catch (error) {
      // Keep everything (minus the loss record, rebuilt on the next attempt) for the retry.
      retained = lost ? queue.slice(0, -1) : queue;
      markUnhealthy(error);
      for (const p of retained) {
        if (!p.durable) continue;
        if (failClosed) p.durable.reject(unavailable());
        else p.durable.resolve({ ...p.entry, seq: 0, prev_hash: '', hash: '' });
        p.durable = undefined;
      }
      scheduleRetry();
      return;
    }
    last = prev;
    lost = undefined;
    if (!healthy) log('writes succeed again');
    healthy = true;
    lastError = '';
    retryDelay = retryBaseMs;
    for (let i = 0; i < queue.length; i++) queue[i]!.durable?.resolve(sealed[i]!.entry);
    for (const s of sealed) written$.next(s.entry);
  }

  function enqueue(p: Pending): void {
    if (closed) {
      log(`entry ${p.entry.action} after close was not written`);
      p.durable?.reject(new TroupeError('AUDIT_UNAVAILABLE', 'the audit trail is closed'));
      return;
    }
    if (!healthy && retained.length + batching >= maxRetained) {
      // Bounded memory: the newest entries are counted as lost, and the count is written later.
      lost = lost ? { ...lost, count: lost.count + 1, last: p.entry.timestamp } : { count: 1, first: p.entry.timestamp, last: p.entry.timestamp };
      if (lost.count === 1) log(`retained buffer full (${maxRetained}); further entries are counted as lost until the store recovers`);
      p.durable?.reject(unavailable());
      return;
    }
    batching++;
    input$.next(p);
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

  async function flush(): Promise<void> {
    // Emitting on flush$ hands the open batch to the writer synchronously, so awaiting the
    // writer's chain afterwards covers everything recorded before this call.
    flush$.next();
    await serial(async () => {
      if (retained.length > 0 || lost) await writeBatch([]);
    });
    if (retained.length > 0 || lost) throw unavailable();
  }

  if (retentionDays > 0) {
    await purge().catch((e: unknown) => log(`retention purge failed: ${(e as Error)?.message ?? String(e)}`));
    schedulePurge();
  }

  return {
    record(input: AuditInput): void {
      try {
        enqueue({ entry: attributeEntry(input, clock.now()) });
      } catch (error) {
        log(`entry ${input?.action} could not be built: ${(error as Error)?.message ?? String(error)}`);
      }
    },

    recordDurable(input: AuditInput): Promise<AuditEntry> {
      try {
        const entry = attributeEntry(input, clock.now());
        if (failClosed && !healthy) {
          // Refused at once, but still kept: it is written with the held entries on recovery.
          enqueue({ entry });
          return Promise.reject(unavailable());
        }
        return new Promise<AuditEntry>((resolve, reject) => enqueue({ entry, durable: { resolve, reject } }));
      } catch (error) {
        return Promise.reject(error);
      }
    },

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
        log(`closing with ${retained.length} entries that could not be written`);
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
