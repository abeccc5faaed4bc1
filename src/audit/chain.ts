import { hash } from 'node:crypto';
import { canonicalJson, canonicalize } from './canonical-json.ts';
import type { SealedEntry } from './ports.ts';
import type { AuditEntry } from './types.ts';

/** `prev_hash` of the first entry ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** An entry before the writer gives it its place in the chain. */
export type UnsealedEntry = Omit<AuditEntry, 'seq' | 'prev_hash' | 'hash'>;

/**
 * SHA-256 hex over `prev_hash` followed by `json`. One-shot over the joined text: the same
 * digest as two `update` calls (SHA-256 is over the concatenation), at about half the cost of
 * `createHash` for an entry-sized input.
 */
export function chainHash(prevHash: string, json: string): string {
  return hash('sha256', prevHash + json, 'hex');
}

/** SHA-256 hex over `prev_hash` followed by the canonical JSON of the entry without `hash`. */
export function entryHash(entry: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...body } = entry;
  return chainHash(entry.prev_hash, canonicalJson(body));
}

/**
 * Gives an entry its seq and links it to its predecessor. The body is built with its keys in
 * sorted order, so with canonical details (as `attributeEntry` makes them) `JSON.stringify`
 * already yields the canonical JSON and the hash needs no second canonicalizing pass.
 */
export function sealEntry(entry: UnsealedEntry, seq: number, prevHash: string): AuditEntry {
  return sealEntryJson(entry, seq, prevHash).entry;
}

/** `sealEntry`, plus the entry's JSON (the hashed body with `hash` appended) for storing. */
export function sealEntryJson(entry: UnsealedEntry, seq: number, prevHash: string): SealedEntry {
  const body = {
    action: entry.action,
    category: entry.category,
    correlation_id: entry.correlation_id,
    credential_id: entry.credential_id,
    credential_type: entry.credential_type,
    details: isCanonical(entry.details) ? entry.details : (canonicalize(entry.details) as Record<string, unknown>),
    id: entry.id,
    ip_address: entry.ip_address,
    mcp_tool: entry.mcp_tool,
    prev_hash: prevHash,
    request_id: entry.request_id,
    resource_id: entry.resource_id,
    resource_type: entry.resource_type,
    result: entry.result,
    seq,
    session_id: entry.session_id,
    source: entry.source,
    surface: entry.surface,
    timestamp: entry.timestamp,
    user_id: entry.user_id,
    username: entry.username,
    workspace: entry.workspace,
  };
  return sealDraft(body as unknown as UnsealedEntry, seq, prevHash);
}

/**
 * Seals an entry made by `attributeEntry` in place: sets `seq`, `prev_hash` and `hash` (whose
 * slots the draft already has, in canonical key order, `hash` last) and hashes
 * `JSON.stringify` of it, which is its canonical JSON because the draft's keys and details are
 * in canonical order and `hash` is `undefined` (left out) while it is serialized. No copy of
 * the entry is made, and a draft sealed for a write that failed can be sealed again, with a new
 * place, on the retry.
 */
export function sealDraft(draft: UnsealedEntry, seq: number, prevHash: string): SealedEntry {
  const entry = draft as AuditEntry;
  entry.seq = seq;
  entry.prev_hash = prevHash;
  entry.hash = undefined as unknown as string;
  const json = JSON.stringify(entry);
  const h = chainHash(prevHash, json);
  entry.hash = h;
  return { entry, json: `${json.slice(0, -1)},"hash":"${h}"}` };
}

/**
 * Off-heap space for the stored form of sealed entries: slabs of `Buffer.allocUnsafe`, handed
 * out front to back. Sealing into a slab keeps the per-entry copies (the text hashed, the stored
 * text with its hash) out of the JavaScript heap, where they made garbage collection the largest
 * single cost of ingest, and LevelDB takes the bytes without converting a string.
 */
export class SealSlab {
  #slab: Buffer = Buffer.alloc(0);
  #at = 0;
  readonly #size: number;

  constructor(size = 1 << 20) {
    this.#size = size;
  }

  /** A region of at least `bytes` bytes at `this.buffer`, starting at the returned offset. */
  reserve(bytes: number): number {
    if (this.#at + bytes > this.#slab.length) {
      // Regions handed out stay valid: they are views of the old slab, which lives as long as they do.
      this.#slab = Buffer.allocUnsafe(Math.max(this.#size, bytes));
      this.#at = 0;
    }
    return this.#at;
  }

  get buffer(): Buffer {
    return this.#slab;
  }

  /** Marks the bytes up to `end` as used. */
  commit(end: number): void {
    this.#at = end;
  }
}

const HASH_TAIL = 8 + 64 + 2; // "hash":"<64 hex>"}

/**
 * `sealDraft`, with the stored form written into `slab` as UTF-8 bytes: the previous hash and
 * the JSON are laid out next to each other, so the hash input needs no joined string, and the
 * stored JSON is the same bytes with its closing brace turned into `,"hash":"…"}`. Same bytes
 * and the same hash as `sealDraft`.
 */
export function sealDraftInto(draft: UnsealedEntry, seq: number, prevHash: string, slab: SealSlab): SealedEntry {
  const entry = draft as AuditEntry;
  entry.seq = seq;
  entry.prev_hash = prevHash;
  entry.hash = undefined as unknown as string;
  const json = JSON.stringify(entry);
  // UTF-8 needs at most 3 bytes per UTF-16 unit.
  const start = slab.reserve(64 + json.length * 3 + HASH_TAIL);
  const buf = slab.buffer;
  buf.write(prevHash, start, 64, 'latin1');
  const jsonStart = start + 64;
  const jsonEnd = jsonStart + buf.write(json, jsonStart, 'utf8');
  const h = hash('sha256', buf.subarray(start, jsonEnd), 'hex');
  entry.hash = h;
  buf[jsonEnd - 1] = 0x2c; // '}' -> ','
  const end = jsonEnd + buf.write(`"hash":"${h}"}`, jsonEnd, 'latin1');
  slab.commit(end);
  return { entry, json: buf.subarray(jsonStart, end) };
}

// A cheap check that top-level keys are sorted and values are plain JSON; nested objects are
// checked recursively. Anything else is canonicalized.
function isCanonical(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.every((v) => isCanonical(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  let prev: string | undefined;
  for (const [k, v] of Object.entries(value)) {
    if (prev !== undefined && k <= prev) return false;
    if (v === undefined || !isCanonical(v, depth + 1)) return false;
    prev = k;
  }
  return true;
}
