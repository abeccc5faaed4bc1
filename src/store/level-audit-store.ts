import type { AbstractSublevel } from 'abstract-level';
import { TroupeError, isTroupeError } from '../core/index.ts';
import type { AuditStore, AuditStoreQuery, AuditStoreResult, ChainPoint, ChainView, FilterField, PurgeOutcome } from '../audit/ports.ts';
import type { AuditEntry } from '../audit/types.ts';
import type { Database } from './database.ts';

type Sub<V> = AbstractSublevel<Database, string | Buffer | Uint8Array, string, V>;
type Op = { type: 'put' | 'del'; sublevel: never; key: string; value?: unknown };

/**
 * Indexed fields, most selective first: a query uses the first one it filters on as its range
 * scan and checks the others on the entries it reads.
 */
export const AUDIT_INDEXES = [
  'correlation_id', 'resource_id', 'credential_id', 'user_id', 'mcp_tool', 'workspace', 'action',
  'resource_type', 'category', 'result', 'source', 'surface',
] as const satisfies readonly FilterField[];

// Key layout. Entries: 16-digit seq. Index rows: field \0 value \0 timestamp \0 seq (empty
// value), so one field's value is a contiguous range ordered by time then seq; the time index
// is the field '@time' with an empty value. \0 cannot occur in field names, ISO timestamps or
// seqs; in values it is replaced by \x01 (on write and on lookup alike).
const SEP = '\0';
const TIME = '@time';
const CHUNK = 1000;
const seqKey = (seq: number) => String(seq).padStart(16, '0');
const esc = (value: string) => (value.includes(SEP) ? value.replaceAll(SEP, '\x01') : value);
const prefixOf = (field: string, value: string) => `${field}${SEP}${esc(value)}${SEP}`;
const rowKey = (prefix: string, e: Pick<AuditEntry, 'timestamp' | 'seq'>) => `${prefix}${e.timestamp}${SEP}${seqKey(e.seq)}`;
const seqOfRow = (key: string) => Number(key.slice(-16));

function indexRows(e: AuditEntry): string[] {
  const rows = [rowKey(prefixOf(TIME, ''), e)];
  for (const field of AUDIT_INDEXES) {
    const value = e[field];
    // Empty fields cannot be filtered on (an empty filter means "any"), so they get no row.
    if (value) rows.push(rowKey(prefixOf(field, value), e));
  }
  return rows;
}

function unavailable(what: string, cause: unknown): TroupeError {
  if (isTroupeError(cause)) return cause;
  return new TroupeError('STORE_UNAVAILABLE', `audit store: cannot ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/**
 * The audit trail's store in LevelDB sublevels of the data directory's database: `audit`
 * (entries by seq), `audit-idx` (secondary indexes and the time index) and `audit-meta`
 * (chain head and purge checkpoint). Each append is one atomic batch over all three.
 */
export function createLevelAuditStore(db: Database): AuditStore {
  const entries = db.sublevel<string, AuditEntry>('audit', { valueEncoding: 'json' }) as unknown as Sub<AuditEntry>;
  const index = db.sublevel<string, string>('audit-idx', { valueEncoding: 'utf8' }) as unknown as Sub<string>;
  const meta = db.sublevel<string, ChainPoint>('audit-meta', { valueEncoding: 'json' }) as unknown as Sub<ChainPoint>;
  const put = (sublevel: Sub<never> | Sub<unknown>, key: string, value: unknown): Op => ({ type: 'put', sublevel: sublevel as never, key, value });
  const del = (sublevel: Sub<never> | Sub<unknown>, key: string): Op => ({ type: 'del', sublevel: sublevel as never, key });

  // Sublevels stay closed when their database is closed and opened again; reopen them so the
  // trail recovers with the store instead of failing every read from then on.
  async function ready(): Promise<void> {
    if (db.status !== 'open') return;
    for (const sub of [entries, index, meta] as Array<{ status: string; open(): Promise<void> }>) if (sub.status === 'closed') await sub.open();
  }

  function appendOps(ops: Op[], list: AuditEntry[]): void {
    for (const e of list) {
      ops.push(put(entries as never, seqKey(e.seq), e));
      for (const row of indexRows(e)) ops.push(put(index as never, row, ''));
    }
    const last = list[list.length - 1];
    if (last) ops.push(put(meta as never, 'head', { seq: last.seq, hash: last.hash }));
  }

  async function write(ops: Op[], what: string): Promise<void> {
    try {
      await db.batch(ops as never);
    } catch (cause) {
      throw unavailable(what, cause);
    }
  }

  // Every read fails as STORE_UNAVAILABLE, never with a raw LevelDB error.
  const guarded =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      fn(...args).catch((cause: unknown) => {
        throw unavailable(what, cause);
      });

  async function query(q: AuditStoreQuery): Promise<AuditStoreResult> {
    const chosen = AUDIT_INDEXES.find((f) => q.equals[f] !== undefined);
    const prefix = chosen ? prefixOf(chosen, q.equals[chosen]!) : prefixOf(TIME, '');
    const residual = Object.entries(q.equals).filter(([f]) => f !== chosen) as Array<[FilterField, string]>;
    const range: { gte: string; lt?: string; lte?: string } = { gte: prefix + (q.start ?? '') };
    if (q.end !== undefined) range.lte = `${prefix}${q.end}\x01`;
    else range.lt = prefix.slice(0, -1) + '\x01';
    const beforeKey = q.before ? rowKey(prefix, q.before) : undefined;
    await ready();
    const snapshot = db.snapshot();
    try {
      if (residual.length === 0) {
        // One condition: the index range is the answer; count keys, read only the page.
        let total = 0;
        const counter = index.keys({ ...range, snapshot } as never);
        try {
          for (let keys = await counter.nextv(CHUNK); keys.length > 0; keys = await counter.nextv(CHUNK)) total += keys.length;
        } finally {
          await counter.close();
        }
        const pageRange: Record<string, unknown> = { ...range, reverse: true, limit: q.offset + q.limit + 1, snapshot };
        if (beforeKey !== undefined && (range.lte === undefined || beforeKey <= range.lte) && (range.lt === undefined || beforeKey < range.lt)) {
          delete pageRange.lte;
          pageRange.lt = beforeKey;
        }
        const keys = await index.keys(pageRange as never).all();
        const pageKeys = keys.slice(q.offset, q.offset + q.limit);
        const found = pageKeys.length === 0 ? [] : await entries.getMany(pageKeys.map((k) => seqKey(seqOfRow(k))), { snapshot } as never);
        return { entries: found.filter((e): e is AuditEntry => e !== undefined), total, more: keys.length > q.offset + q.limit };
      }
      // Several conditions: walk the most selective index, read entries in chunks, check the rest.
      let total = 0;
      let skipped = 0;
      let more = false;
      const page: AuditEntry[] = [];
      const it = index.keys({ ...range, reverse: true, snapshot } as never);
      try {
        for (let keys = await it.nextv(CHUNK); keys.length > 0; keys = await it.nextv(CHUNK)) {
          const found = await entries.getMany(keys.map((k) => seqKey(seqOfRow(k))), { snapshot } as never);
          for (let i = 0; i < keys.length; i++) {
            const e = found[i];
            if (!e || residual.some(([f, v]) => e[f] !== v)) continue;
            total++;
            if (beforeKey !== undefined && keys[i]! >= beforeKey) continue;
            if (skipped < q.offset) skipped++;
            else if (page.length < q.limit) page.push(e);
            else more = true;
          }
        }
      } finally {
        await it.close();
      }
      return { entries: page, total, more };
    } finally {
      await snapshot.close().catch(() => {});
    }
  }

  return {
    writable() {
      return db.status === 'open';
    },
    head: guarded('read the chain head', async () => {
      await ready();
      return meta.get('head');
    }),
    checkpoint: guarded('read the purge checkpoint', async () => {
      await ready();
      return meta.get('checkpoint');
    }),
    async append(list) {
      if (list.length === 0) return;
      const ops: Op[] = [];
      appendOps(ops, list);
      await write(ops, 'append');
    },
    query: guarded('query', query),
    readChain: guarded('read the chain', async (): Promise<ChainView> => {
      await ready();
      const snapshot = db.snapshot();
      let head: ChainPoint | undefined;
      let checkpoint: ChainPoint | undefined;
      try {
        [head, checkpoint] = await meta.getMany(['head', 'checkpoint'], { snapshot } as never);
      } catch (cause) {
        await snapshot.close().catch(() => {});
        throw unavailable('read the chain', cause);
      }
      async function* walk(): AsyncGenerator<{ keySeq: number; entry: AuditEntry }> {
        const it = entries.iterator({ snapshot } as never);
        try {
          for (let batch = await it.nextv(CHUNK); batch.length > 0; batch = await it.nextv(CHUNK)) {
            for (const [key, entry] of batch) yield { keySeq: Number(key), entry };
          }
        } finally {
          await it.close();
          await snapshot.close().catch(() => {});
        }
      }
      return { ...(head ? { head } : {}), ...(checkpoint ? { checkpoint } : {}), entries: walk() };
    }),
    purge: guarded('purge', async (cutoff: string, seal: (o: PurgeOutcome) => AuditEntry[]): Promise<PurgeOutcome> => {
      await ready();
      const outcome: PurgeOutcome = { removed: 0 };
      let ops: Op[] = [];
      const it = entries.iterator();
      try {
        outer: for (let batch = await it.nextv(CHUNK); batch.length > 0; batch = await it.nextv(CHUNK)) {
          for (const [key, e] of batch) {
            // Stop at the first entry inside the window: what stays is a contiguous chain tail.
            if (e.timestamp >= cutoff) break outer;
            ops.push(del(entries as never, key));
            for (const row of indexRows(e)) ops.push(del(index as never, row));
            outcome.removed++;
            if (outcome.from === undefined || e.timestamp < outcome.from) outcome.from = e.timestamp;
            if (outcome.to === undefined || e.timestamp > outcome.to) outcome.to = e.timestamp;
            outcome.checkpoint = { seq: e.seq, hash: e.hash };
          }
          if (ops.length > 0 && outcome.checkpoint) {
            // Each chunk moves the checkpoint with it, so a crash mid-purge leaves a valid chain.
            ops.push(put(meta as never, 'checkpoint', outcome.checkpoint));
            await write(ops, 'purge');
            ops = [];
          }
        }
      } finally {
        await it.close();
      }
      if (outcome.removed === 0) return outcome;
      // The rest of the last chunk, the final checkpoint and the cleanup record go in one batch.
      const finalOps: Op[] = [...ops, put(meta as never, 'checkpoint', outcome.checkpoint)];
      appendOps(finalOps, seal(outcome));
      await write(finalOps, 'purge');
      return outcome;
    }),
    async close() {
      // The database belongs to its opener; sublevels need no closing of their own.
    },
  };
}
