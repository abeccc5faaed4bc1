import type { AuditEntry } from './types.ts';

/** The exact-match fields a query may filter on (the store indexes most of them). */
export const FILTER_FIELDS = [
  'category', 'action', 'source', 'surface', 'result', 'correlation_id', 'request_id', 'session_id',
  'resource_type', 'resource_id', 'workspace', 'credential_id', 'credential_type', 'mcp_tool',
  'user_id', 'ip_address',
] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** A sealed entry with its stored form (JSON, computed once when it was hashed). */
export interface SealedEntry {
  entry: AuditEntry;
  /** The stored JSON: text, or its UTF-8 bytes (see `sealDraftInto`). */
  json: string | Buffer;
}

/** A position in the newest-first order: entries strictly older than it come next. */
export interface AuditPosition {
  timestamp: string;
  seq: number;
}

/** A validated query, as the store receives it. */
export interface AuditStoreQuery {
  /** Exact-match conditions; empty values never reach the store. */
  equals: Partial<Record<FilterField, string>>;
  /** Inclusive ISO bounds on `timestamp`. */
  start?: string;
  end?: string;
  limit: number;
  offset: number;
  /** Only entries older than this position (a cursor). */
  before?: AuditPosition;
}

export interface AuditStoreResult {
  /** Newest first: seq descending, the order entries were recorded. */
  entries: AuditEntry[];
  /** Matches of `equals`/`start`/`end`, ignoring `offset` and `before`. */
  total: number;
  /** True when more matching entries follow the last one returned. */
  more: boolean;
}

/** The last entry written, or the entry a purge removed last. */
export interface ChainPoint {
  seq: number;
  hash: string;
}

/** A consistent read of the stored chain (see `AuditStore.readChain`). */
export interface ChainView {
  head?: ChainPoint;
  checkpoint?: ChainPoint;
  entries: AsyncIterable<{ keySeq: number; entry: AuditEntry }>;
}

/** What a purge removed. */
export interface PurgeOutcome {
  removed: number;
  /** Timestamps of the oldest and newest removed entries. */
  from?: string;
  to?: string;
  /** The new checkpoint (the last removed entry), set when something was removed. */
  checkpoint?: ChainPoint;
}

/**
 * The storage port of the audit trail, owned here and implemented in `src/store`
 * (`createLevelAuditStore`). One writer calls `append` and `purge` one at a time.
 */
export interface AuditStore {
  /** False when the store is known not to accept writes (closed); a cheap check, no I/O. */
  writable(): boolean;
  /** The newest entry written, or `undefined` when none is stored. */
  head(): Promise<ChainPoint | undefined>;
  /** The last purged entry, or `undefined` when nothing was ever purged. */
  checkpoint(): Promise<ChainPoint | undefined>;
  /** Writes sealed entries (and their index rows) atomically, in order. */
  append(entries: SealedEntry[]): Promise<void>;
  query(query: AuditStoreQuery): Promise<AuditStoreResult>;
  /**
   * The whole chain from one consistent view taken when called: head, checkpoint and every
   * stored entry in seq order (with the seq its key claims, to catch entries moved by hand).
   */
  readChain(): Promise<ChainView>;
  /**
   * Removes the oldest entries (in seq order) whose timestamp is before `cutoff`, stopping at
   * the first newer one, so what remains is a contiguous tail of the chain. `seal` is called
   * with the outcome and returns entries (the cleanup record) written in the last batch of the
   * purge, together with the new checkpoint.
   */
  purge(cutoff: string, seal: (outcome: PurgeOutcome) => SealedEntry[]): Promise<PurgeOutcome>;
  close(): Promise<void>;
}
