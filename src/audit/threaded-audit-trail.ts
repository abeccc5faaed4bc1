import type { Worker } from 'node:worker_threads';
import { Observable, Subject, filter as rxFilter } from 'rxjs';
import type { Subscription } from 'rxjs';
import { TroupeError, systemClock } from '../core/index.ts';
import type { Clock } from '../core/index.ts';
import { batch } from '../streams/batch.ts';
import { attributeEntry } from './attribute.ts';
import type { UnsealedEntry } from './chain.ts';
import { equalsOf, matchesQuery } from './filter.ts';
import { fromThreadError } from './thread-protocol.ts';
import type { FromAuditThread, ToAuditThread } from './thread-protocol.ts';
import type { AuditEntry, AuditInput, AuditPage, AuditTrail, VerifyResult } from './types.ts';

/** Options of {@link createThreadedAuditTrail}. */
export interface ThreadedAuditTrailOptions {
  /** The audit thread, started on `src/audit-thread.ts` (see `startAuditThread`). */
  worker: Worker;
  /** Stamps entries and schedules purges. @defaultValue systemClock */
  clock?: Clock;
  /** @defaultValue 'fail_closed' */
  onFailure?: 'fail_closed' | 'fail_open';
  /** Entries older than this many days are purged at open and every 24 h; 0 keeps everything. @defaultValue 7 */
  retentionDays?: number;
  /** Longest wait before a batch of plain entries goes to the thread while the trail is quiet. @defaultValue 10 */
  batchMs?: number;
  /** The window once a batch held at least `busyBatch` entries. @defaultValue 50 */
  busyBatchMs?: number;
  /** @defaultValue 16 */
  busyBatch?: number;
  /** A batch goes to the thread as soon as it holds this many entries. @defaultValue 500 */
  maxBatch?: number;
  /** Where the thread's write failures and this side's problems are reported. @defaultValue stderr */
  logger?: (message: string) => void;
}

const DAY_MS = 24 * 3600 * 1000;

type WithoutId<M> = M extends { id: number } ? Omit<M, 'id'> : never;
type CallMessage = WithoutId<Extract<ToAuditThread, { t: 'call' }>>;

/**
 * The audit trail with its writer on its own thread: entries are attributed here, on the thread
 * that has the operation context, batched like the in-process trail does, and handed over in
 * one message per batch; the audit thread (`serveAuditThread`, with `createAuditTrail` over its
 * own LevelDB) redoes nothing of that, and seals, indexes and writes them. The main thread so
 * keeps none of the hashing, JSON and LevelDB work of the chain, the largest share of an audited
 * call's cost besides the protocol itself.
 *
 * Same contract as `createAuditTrail`: `recordDurable` resolves once the entry is on disk
 * (with its seq and hash), `flush` once everything recorded before it is, the thread's trail
 * retries and fails closed as the in-process one does, and `assertWritable` asks it. If the
 * thread dies, the trail fails closed for good (`AUDIT_UNAVAILABLE`), the way a store that
 * cannot write does, and says so in the log; nothing waits forever. Retry back-off timers run on
 * the thread's own clock; stamps and purge times come from `clock`.
 */
export async function createThreadedAuditTrail(options: ThreadedAuditTrailOptions): Promise<AuditTrail> {
  const { worker } = options;
  const clock = options.clock ?? systemClock;
  const failClosed = (options.onFailure ?? 'fail_closed') === 'fail_closed';
  const retentionDays = options.retentionDays ?? 7;
  const log = options.logger ?? ((m: string) => void process.stderr.write(`troupe audit: ${m}\n`));

  let gone: TroupeError | undefined;
  let closing = false;
  let nextId = 0;
  const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const durables = new Map<number, { entry: UnsealedEntry; resolve: (e: AuditEntry) => void; reject: (e: unknown) => void }>();
  const written$ = new Subject<AuditEntry>();
  let watchers = 0;
  let purgeTimer: unknown;
  let exited = false;
  // The background flush that holds the thread while handed-over entries are unwritten (below).
  let keepAlive: Promise<void> | undefined;
  // Entries handed over and not yet covered by a flush that succeeded.
  let unconfirmed = 0;

  const post = (m: ToAuditThread) => worker.postMessage(m);
  // The thread keeps the process alive only while something here waits for it (a call, a
  // durable entry, a handed-over batch not yet written), so an owner that never closes the
  // trail does not hang its process, and nothing handed over is lost to a natural exit.
  let waiting = 0;
  const hold = () => {
    if (waiting++ === 0) worker.ref();
  };
  const release = () => {
    if (--waiting === 0) worker.unref();
  };
  // What a durable entry resolves to when it could not be written under fail_open.
  const unwritten = (entry: UnsealedEntry): AuditEntry => ({ ...entry, seq: 0, prev_hash: '', hash: '' });

  function die(reason: string): void {
    if (gone) return;
    gone = new TroupeError('AUDIT_UNAVAILABLE', `the audit thread stopped (${reason}); state changes are refused`);
    if (!closing) log(`${gone.message}; ${durables.size} durable entries and ${calls.size} calls were waiting`);
    if (unconfirmed > 0) log(`up to ${unconfirmed} entries handed to the audit thread may not have been written`);
    for (const c of calls.values()) c.reject(gone);
    for (const d of durables.values()) {
      if (failClosed) d.reject(gone);
      else d.resolve(unwritten(d.entry));
    }
    calls.clear();
    durables.clear();
    waiting = 0;
  }

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromAuditThread) => {
      switch (m.t) {
        case 'ready':
          return resolve();
        case 'open_failed':
          return reject(fromThreadError(m.error));
        case 'durable': {
          const d = durables.get(m.id);
          if (!d) return;
          durables.delete(m.id);
          release();
          if ('error' in m) {
            if (failClosed) d.reject(fromThreadError(m.error));
            else d.resolve(unwritten(d.entry));
            return;
          }
          // The caller's own object takes its place in the chain, as the in-process trail does.
          const e = d.entry as AuditEntry;
          e.seq = m.seq;
          e.prev_hash = m.prevHash;
          e.hash = m.hash;
          return d.resolve(e);
        }
        case 'reply': {
          const c = calls.get(m.id);
          if (!c) return;
          calls.delete(m.id);
          release();
          if ('error' in m) c.reject(fromThreadError(m.error));
          else c.resolve(m.value);
          return;
        }
        case 'written':
          for (const e of m.entries) written$.next(e);
          return;
        case 'log':
          return log(m.message);
      }
    });
    worker.on('error', (error) => {
      log(`the audit thread failed: ${error.message}`);
      reject(error);
      die(error.message);
    });
    worker.on('exit', (code) => {
      exited = true;
      reject(new TroupeError('AUDIT_UNAVAILABLE', `the audit thread exited (code ${code}) before it opened`));
      die(`exit code ${code}`);
    });
  });
  await ready;
  if (waiting === 0) worker.unref();

  function call<T>(m: CallMessage): Promise<T> {
    if (gone) return Promise.reject(gone);
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      hold();
      post({ ...m, id } as ToAuditThread);
    });
  }

  // Plain entries are answered by nobody; one flush at a time in the background holds the
  // thread until everything handed over before it is written. Its failure is the thread's
  // write failure, which the thread's trail reports itself (and retries).
  function holdUntilWritten(): void {
    if (keepAlive || gone) return;
    const covered = unconfirmed;
    keepAlive = call<void>({ t: 'call', op: 'flush' }).then(
      () => {
        unconfirmed -= covered;
        keepAlive = undefined;
        // Handed over while this flush was under way: hold on for those too.
        if (unconfirmed > 0 && !closing) holdUntilWritten();
      },
      () => {
        // The store fails: the thread's trail logged it and retries on its own back-off, which
        // (as in-process) does not keep the process alive. The next handover holds it again.
        keepAlive = undefined;
      },
    );
  }

  const quietMs = options.batchMs ?? 10;
  const busyMs = Math.max(quietMs, options.busyBatchMs ?? 50);
  const busyBatch = options.busyBatch ?? 16;
  const input$ = new Subject<{ entry: UnsealedEntry; id: number }>();
  const flush$ = new Subject<void>();
  const batches: Subscription = input$
    .pipe(batch({ maxMs: (previous) => (previous >= busyBatch ? busyMs : quietMs), maxCount: options.maxBatch ?? 500, flush$ }))
    .subscribe((items) => {
      if (gone) return lose(items);
      const entries: UnsealedEntry[] = new Array(items.length);
      const durable: number[] = new Array(items.length);
      for (let i = 0; i < items.length; i++) {
        entries[i] = items[i]!.entry;
        durable[i] = items[i]!.id;
      }
      try {
        post({ t: 'entries', entries, durable });
        unconfirmed += items.length;
        holdUntilWritten();
      } catch (error) {
        // Attributed entries are plain JSON, so this is a bug; it is reported, never silent.
        log(`${items.length} entries could not be handed to the audit thread: ${(error as Error)?.message ?? String(error)}`);
        lose(items);
      }
    });

  // One log line per batch, naming what was lost, so a dead thread under load does not flood the log.
  function lose(items: Array<{ entry: UnsealedEntry; id: number }>): void {
    const actions = [...new Set(items.map((i) => i.entry.action))];
    const named = actions.slice(0, 5).join(', ') + (actions.length > 5 ? ', …' : '');
    log(`${items.length} ${items.length === 1 ? 'entry' : 'entries'} (${named}) not written: ${gone?.message ?? 'the audit thread did not take them'}`);
    for (const { entry, id } of items) {
      const d = id === 0 ? undefined : durables.get(id);
      if (!d) continue;
      durables.delete(id);
      release();
      if (failClosed) d.reject(gone ?? new TroupeError('AUDIT_UNAVAILABLE', 'the audit thread did not take the entry'));
      else d.resolve(unwritten(entry));
    }
  }

  const closedError = () => new TroupeError('AUDIT_UNAVAILABLE', 'the audit trail is closed');

  function enqueue(entry: UnsealedEntry, id: number): void {
    if (closing) {
      log(`entry ${entry.action} after close was not written`);
      const d = durables.get(id);
      if (d) {
        durables.delete(id);
        release();
        d.reject(closedError());
      }
      return;
    }
    input$.next({ entry, id });
    // Somebody waits for this one: hand the open batch over now.
    if (id !== 0) flush$.next();
  }

  async function purge(now: number = clock.now()): Promise<number> {
    if (retentionDays <= 0) return 0;
    return call<number>({ t: 'call', op: 'purge', now });
  }

  function schedulePurge(): void {
    if (closing || retentionDays <= 0) return;
    purgeTimer = clock.setTimeout(() => {
      purge().catch((e: unknown) => log(`retention purge failed: ${(e as Error)?.message ?? String(e)}`)).finally(schedulePurge);
    }, DAY_MS);
    (purgeTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  if (retentionDays > 0) {
    await purge().catch((e: unknown) => log(`retention purge failed: ${(e as Error)?.message ?? String(e)}`));
    schedulePurge();
  }

  return {
    record(input: AuditInput): void {
      try {
        enqueue(attributeEntry(input, clock.now()), 0);
      } catch (error) {
        log(`entry ${input?.action} could not be built: ${(error as Error)?.message ?? String(error)}`);
      }
    },

    recordDurable(input: AuditInput): Promise<AuditEntry> {
      let entry: UnsealedEntry;
      try {
        entry = attributeEntry(input, clock.now());
      } catch (error) {
        return Promise.reject(error);
      }
      if (closing) {
        log(`entry ${entry.action} after close was not written`);
        return Promise.reject(closedError());
      }
      if (gone) {
        log(`entry ${entry.action} was not written: ${gone.message}`);
        return failClosed ? Promise.reject(gone) : Promise.resolve(unwritten(entry));
      }
      const id = ++nextId;
      const done = new Promise<AuditEntry>((resolve, reject) => durables.set(id, { entry, resolve, reject }));
      hold();
      enqueue(entry, id);
      return done;
    },

    async flush(): Promise<void> {
      // Emitting on flush$ hands the open batch over synchronously, and the thread takes
      // messages in order, so its flush covers everything recorded before this call.
      flush$.next();
      await call<void>({ t: 'call', op: 'flush' });
    },

    async assertWritable(): Promise<void> {
      if (!failClosed) return;
      await call<void>({ t: 'call', op: 'assertWritable' });
    },

    query(filter): Promise<AuditPage> {
      return call<AuditPage>({ t: 'call', op: 'query', filter: filter ?? {} });
    },

    tail$(filter = {}): Observable<AuditEntry> {
      const equals = equalsOf(filter);
      // The thread sends written entries back only while somebody here watches.
      return new Observable<AuditEntry>((subscriber) => {
        if (watchers++ === 0 && !gone) post({ t: 'tail', on: true });
        const sub = written$.pipe(rxFilter((e) => matchesQuery(e, { equals }))).subscribe(subscriber);
        return () => {
          sub.unsubscribe();
          if (--watchers === 0 && !gone && !closing) post({ t: 'tail', on: false });
        };
      });
    },

    verify(): Promise<VerifyResult> {
      return call<VerifyResult>({ t: 'call', op: 'verify' });
    },

    purge,

    async close(): Promise<void> {
      if (closing) return;
      flush$.next();
      closing = true;
      clock.clearTimeout(purgeTimer);
      batches.unsubscribe();
      const ended = exited ? Promise.resolve() : new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      try {
        if (!gone) await call<void>({ t: 'call', op: 'close' });
      } catch (error) {
        log(`the audit thread did not close cleanly: ${(error as Error)?.message ?? String(error)}`);
      }
      written$.complete();
      // The thread ends by itself once its database is closed; a stuck one is stopped.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await ended;
      clearTimeout(timer);
    },
  };
}
