import type { AbstractSublevel } from 'abstract-level';
import { TroupeError, isTroupeError } from '../core/index.ts';
import type { AuditStore, AuditStoreQuery, AuditStoreResult, ChainPoint, ChainView, FilterField, PurgeOutcome, SealedEntry } from '../audit/ports.ts';
import type { AuditEntry } from '../audit/types.ts';
import type { Database } from './database.ts';

type Sub<V> = AbstractSublevel<Database, string | Buffer | Uint8Array, string, V>;
type Op = { type: 'put' | 'del'; sublevel: never; key: string; value?: unknown; valueEncoding?: 'buffer' };

/**
 * Indexed fields, most selective first: a query uses the first one it filters on as its range
 * scan and checks the others on the entries it reads.
 */
export const AUDIT_INDEXES = [
  'correlation_id', 'resource_id', 'credential_id', 'user_id', 'mcp_tool', 'workspace', 'action',
  'resource_type', 'category', 'result', 'source', 'surface',
] as const satisfies readonly FilterField[];

// Key layout. Entries: 16-digit seq. Indexes are posting blocks, one per batch and value:
// field \0 value \0 <last seq of the batch> -> postings (seq and ms of every entry of the batch
// with that value, ascending seq), so one entry costs one entry row plus a share of a few block
// rows instead of a row per field (LevelDB's cost is mostly per key). The time index is the
// field '@time' with an empty value: one block per batch listing every entry, which also serves
// as the directory of batches for purges. \0 cannot occur in field names or seqs; in values it is
// replaced by \x01 (on write and lookup alike).
//
// Posting encodings, told apart by the first character of a block, so blocks written by earlier
// versions stay readable next to new ones:
// - v1 (a base-36 digit first): "seq.ms,seq.ms,..." in base 36.
// - v2 ('~' first): "~seq.ms" for the first posting, then ",gap.dms" per posting, where gap is
//   the seq difference to the previous posting (empty for 1) and dms the signed ms difference
//   (empty for 0), base 36. About a third of v1's bytes: the index was a fifth of the bytes
//   written per entry, and LevelDB's cost grows with them.
const SEP = '\0';
const TIME = '@time';
const CHUNK = 1000;
const seqKey = (seq: number) => String(seq).padStart(16, '0');
const esc = (value: string) => (value.includes(SEP) ? value.replaceAll(SEP, '\x01') : value);
const prefixOf = (field: string, value: string) => `${field}${SEP}${esc(value)}${SEP}`;
const TIME_PREFIX = prefixOf(TIME, '');
const V2 = '~';

interface Posting {
  seq: number;
  ms: number;
}

/** Encodes postings given as [seq, ms, seq, ms, ...] in ascending seq order (v2). */
export function encodePostings(seqMs: readonly number[]): string {
  const out = new PostingWriter(seqMs.length * 12 + 32);
  return out.buffer.toString('latin1', out.write(seqMs), out.end);
}

const DIGITS = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz', 'latin1');

/**
 * Writes v2 blocks as bytes into off-heap slabs: building them as strings cost about a kilobyte
 * of short-lived strings per entry (13 postings each), a visible share of garbage collection.
 * The bytes are ASCII, so they read back as the same text.
 */
class PostingWriter {
  buffer: Buffer;
  end = 0;
  constructor(readonly size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  // Base 36, as Number#toString(36) writes integers.
  #int(n: number): void {
    const b = this.buffer;
    if (n < 0) {
      b[this.end++] = 0x2d; // '-'
      n = -n;
    }
    if (n < 36) {
      b[this.end++] = DIGITS[n]!;
      return;
    }
    let digits = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 36)) digits++;
    let at = this.end + digits;
    this.end = at;
    for (let m = n; m >= 1; m = Math.floor(m / 36)) b[--at] = DIGITS[m % 36]!;
  }

  /** Writes one block; returns where it starts (it ends at `end`). */
  write(seqMs: readonly number[]): number {
    // At most: '~', and per posting ',' '.' a sign and 11 digits each (2^53 in base 36).
    const need = 1 + (seqMs.length / 2) * 26;
    if (this.end + need > this.buffer.length) {
      this.buffer = Buffer.allocUnsafe(Math.max(this.size, need));
      this.end = 0;
    }
    const start = this.end;
    const b = this.buffer;
    let seq = seqMs[0]!;
    let ms = seqMs[1]!;
    b[this.end++] = 0x7e; // '~'
    this.#int(seq);
    b[this.end++] = 0x2e; // '.'
    this.#int(ms);
    for (let i = 2; i < seqMs.length; i += 2) {
      const sq = seqMs[i]!;
      const m = seqMs[i + 1]!;
      b[this.end++] = 0x2c; // ','
      if (sq - seq !== 1) this.#int(sq - seq);
      b[this.end++] = 0x2e;
      if (m !== ms) this.#int(m - ms);
      seq = sq;
      ms = m;
    }
    return start;
  }
}

/** Decodes a block in either encoding, ascending seq. */
export function decodePostings(text: string): Posting[] {
  const out: Posting[] = [];
  if (text.startsWith(V2)) {
    let seq = 0;
    let ms = 0;
    let first = true;
    for (const part of text.slice(1).split(',')) {
      const dot = part.indexOf('.');
      const a = part.slice(0, dot);
      const b = part.slice(dot + 1);
      if (first) {
        seq = parseInt(a, 36);
        ms = parseInt(b, 36);
        first = false;
      } else {
        seq += a === '' ? 1 : parseInt(a, 36);
        ms += b === '' ? 0 : parseInt(b, 36);
      }
      out.push({ seq, ms });
    }
    return out;
  }
  for (const part of text.split(',')) {
    const dot = part.indexOf('.');
    out.push({ seq: parseInt(part.slice(0, dot), 36), ms: parseInt(part.slice(dot + 1), 36) });
  }
  return out;
}

/**
 * The blocks of one batch: for every (field, value) its entries carry, plus the time block,
 * the postings as [seq, ms, ...]. One map per field, so no key text is built per entry.
 */
function postingsOf(list: readonly AuditEntry[]): Map<string, number[]> {
  const time: number[] = [];
  const perField = AUDIT_INDEXES.map(() => new Map<string, number[]>());
  for (const e of list) {
    const seq = e.seq;
    const ms = Date.parse(e.timestamp);
    time.push(seq, ms);
    for (let f = 0; f < AUDIT_INDEXES.length; f++) {
      const value = e[AUDIT_INDEXES[f]!];
      // Empty fields cannot be filtered on (an empty filter means "any"), so they get no posting.
      if (!value) continue;
      const map = perField[f]!;
      const p = map.get(value);
      if (p) p.push(seq, ms);
      else map.set(value, [seq, ms]);
    }
  }
  const blocks = new Map<string, number[]>([[TIME_PREFIX, time]]);
  for (let f = 0; f < AUDIT_INDEXES.length; f++) {
    for (const [value, p] of perField[f]!) blocks.set(prefixOf(AUDIT_INDEXES[f]!, value), p);
  }
  return blocks;
}

function unavailable(what: string, cause: unknown): TroupeError {
  if (isTroupeError(cause)) return cause;
  return new TroupeError('STORE_UNAVAILABLE', `audit store: cannot ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/**
 * The audit trail's store in LevelDB sublevels of the data directory's database: `audit`
 * (entries by seq), `audit-idx` (posting blocks of the secondary indexes and the time index)
 * and `audit-meta` (chain head and purge checkpoint). Each append is one atomic batch over all
 * three. Queries answer newest first in seq order (the order entries were recorded).
 */
export function createLevelAuditStore(db: Database): AuditStore {
  // Entries are stored as the JSON string the writer already made when it hashed them.
  const entries = db.sublevel<string, string>('audit', { valueEncoding: 'utf8' }) as unknown as Sub<string>;
  const getEntries = async (seqs: number[], options?: object): Promise<Array<AuditEntry | undefined>> =>
    (await entries.getMany(seqs.map(seqKey), options as never)).map((v) => (v === undefined ? undefined : (JSON.parse(v) as AuditEntry)));
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

  const postings = new PostingWriter(1 << 18);

  function appendOps(ops: Op[], sealed: SealedEntry[]): void {
    const last = sealed[sealed.length - 1]?.entry;
    if (!last) return;
    for (const s of sealed) {
      // Bytes go in as bytes (the sublevel's utf8 encoding is for reads and text values).
      if (typeof s.json === 'string') ops.push(put(entries as never, seqKey(s.entry.seq), s.json));
      else ops.push({ type: 'put', sublevel: entries as never, key: seqKey(s.entry.seq), value: s.json, valueEncoding: 'buffer' });
    }
    const blockKey = seqKey(last.seq);
    const list: AuditEntry[] = [];
    for (const s of sealed) list.push(s.entry);
    for (const [prefix, p] of postingsOf(list)) {
      const start = postings.write(p);
      ops.push({ type: 'put', sublevel: index as never, key: prefix + blockKey, value: postings.buffer.subarray(start, postings.end), valueEncoding: 'buffer' });
    }
    ops.push(put(meta as never, 'head', { seq: last.seq, hash: last.hash }));
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
    const prefix = chosen ? prefixOf(chosen, q.equals[chosen]!) : TIME_PREFIX;
    const residual = Object.entries(q.equals).filter(([f]) => f !== chosen) as Array<[FilterField, string]>;
    const startMs = q.start === undefined ? -Infinity : Date.parse(q.start);
    const endMs = q.end === undefined ? Infinity : Date.parse(q.end);
    const beforeSeq = q.before?.seq ?? Infinity;
    await ready();
    const snapshot = db.snapshot();
    try {
      // Seqs at or below the purge checkpoint may linger in a block that straddles it.
      const checkpoint = await meta.get('checkpoint', { snapshot } as never);
      const lowest = (checkpoint?.seq ?? 0) + 1;
      let total = 0;
      let skipped = 0;
      let more = false;
      const pageSeqs: number[] = [];
      const page: AuditEntry[] = [];
      // Postings of one condition, newest first, in chunks; time bounds are checked on the
      // posting itself, other conditions on the entry (read only when there are any).
      let pending: number[] = [];
      const take = (seq: number, entry?: AuditEntry) => {
        total++;
        if (seq >= beforeSeq) return;
        if (skipped < q.offset) skipped++;
        else if (pageSeqs.length < q.limit) {
          pageSeqs.push(seq);
          if (entry) page.push(entry);
        } else more = true;
      };
      const drain = async () => {
        if (pending.length === 0) return;
        const found = await getEntries(pending, { snapshot });
        for (let i = 0; i < pending.length; i++) {
          const e = found[i];
          if (e && !residual.some(([f, v]) => e[f] !== v)) take(pending[i]!, e);
        }
        pending = [];
      };
      const it = index.iterator({ gte: prefix, lt: prefix.slice(0, -1) + '\x01', reverse: true, snapshot } as never);
      try {
        outer: for (let blocks = await it.nextv(64); blocks.length > 0; blocks = await it.nextv(64)) {
          for (const [, text] of blocks as Array<[string, string]>) {
            const postings = decodePostings(text);
            for (let i = postings.length - 1; i >= 0; i--) {
              const p = postings[i]!;
              if (p.seq < lowest) break outer;
              if (p.ms < startMs || p.ms > endMs) continue;
              if (residual.length === 0) take(p.seq);
              else {
                pending.push(p.seq);
                if (pending.length >= CHUNK) await drain();
              }
            }
          }
        }
        await drain();
      } finally {
        await it.close();
      }
      if (residual.length === 0 && pageSeqs.length > 0) {
        const found = await getEntries(pageSeqs, { snapshot });
        for (const e of found) if (e) page.push(e);
      }
      return { entries: page, total, more };
    } finally {
      // Closing a read snapshot releases memory only; the read's own result or error stands.
      await snapshot.close().catch(() => undefined);
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
        // The read error below is the one to report; a failing close adds nothing to it.
        await snapshot.close().catch(() => undefined);
        throw unavailable('read the chain', cause);
      }
      async function* walk(): AsyncGenerator<{ keySeq: number; entry: AuditEntry }> {
        const it = entries.iterator({ snapshot } as never);
        try {
          for (let batch = await it.nextv(CHUNK); batch.length > 0; batch = await it.nextv(CHUNK)) {
            for (const [key, json] of batch) yield { keySeq: Number(key), entry: JSON.parse(json) as AuditEntry };
          }
        } finally {
          await it.close();
          // Releasing a read snapshot of a closing database: nothing to report or retry.
          await snapshot.close().catch(() => undefined);
        }
      }
      return { ...(head ? { head } : {}), ...(checkpoint ? { checkpoint } : {}), entries: walk() };
    }),
    purge: guarded('purge', async (cutoff: string, seal: (o: PurgeOutcome) => SealedEntry[]): Promise<PurgeOutcome> => {
      await ready();
      const outcome: PurgeOutcome = { removed: 0 };
      let ops: Op[] = [];
      // The time blocks are the directory of batches, oldest first. A batch is removed entry by
      // entry; its index blocks go once every entry of the batch is gone. The first entry
      // inside the window stops the purge, so what remains is a contiguous tail of the chain.
      const it = index.iterator({ gte: TIME_PREFIX, lt: TIME_PREFIX.slice(0, -1) + '\x01' } as never);
      try {
        outer: for (let blocks = await it.nextv(64); blocks.length > 0; blocks = await it.nextv(64)) {
          for (const [blockKey, text] of blocks as Array<[string, string]>) {
            const seqs = decodePostings(text).map((p) => p.seq);
            const found = await getEntries(seqs);
            const batch: AuditEntry[] = [];
            let whole = true;
            for (const e of found) {
              if (!e) continue; // removed by an earlier purge that stopped inside this batch
              if (e.timestamp >= cutoff) {
                whole = false;
                break;
              }
              batch.push(e);
              ops.push(del(entries as never, seqKey(e.seq)));
              outcome.removed++;
              if (outcome.from === undefined || e.timestamp < outcome.from) outcome.from = e.timestamp;
              if (outcome.to === undefined || e.timestamp > outcome.to) outcome.to = e.timestamp;
              outcome.checkpoint = { seq: e.seq, hash: e.hash };
            }
            if (whole) {
              const suffix = blockKey.slice(TIME_PREFIX.length);
              // Index blocks of the batch: derive their keys from the entries of the whole batch.
              const all = found.filter((e): e is AuditEntry => e !== undefined);
              for (const prefix of postingsOf(all).keys()) ops.push(del(index as never, prefix + suffix));
              // Entries removed by an earlier partial purge still need their (field, value) blocks gone;
              // those blocks are rare and harmless (queries skip seqs below the checkpoint).
            }
            if (ops.length >= CHUNK * 4 && outcome.checkpoint) {
              // Each chunk moves the checkpoint with it, so a crash mid-purge leaves a valid chain.
              ops.push(put(meta as never, 'checkpoint', outcome.checkpoint));
              await write(ops, 'purge');
              ops = [];
            }
            if (!whole) break outer;
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
