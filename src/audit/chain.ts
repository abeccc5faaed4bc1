import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { AuditEntry } from './types.ts';

/** `prev_hash` of the first entry ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** An entry before the writer gives it its place in the chain. */
export type UnsealedEntry = Omit<AuditEntry, 'seq' | 'prev_hash' | 'hash'>;

/** SHA-256 hex over `prev_hash` followed by the canonical JSON of the entry without `hash`. */
export function entryHash(entry: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...body } = entry;
  return createHash('sha256').update(entry.prev_hash).update(canonicalJson(body)).digest('hex');
}

/** Gives an entry its seq and links it to its predecessor. */
export function sealEntry(entry: UnsealedEntry, seq: number, prevHash: string): AuditEntry {
  const sealed = { ...entry, seq, prev_hash: prevHash } as AuditEntry;
  sealed.hash = entryHash(sealed);
  return sealed;
}
