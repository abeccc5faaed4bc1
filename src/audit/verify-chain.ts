import { GENESIS_HASH, entryHash } from './chain.ts';
import type { AuditStore } from './ports.ts';
import type { VerifyResult } from './types.ts';

/**
 * Walks the stored chain in seq order from the purge checkpoint (or the genesis) and reports
 * the first seq that does not hold: an edited entry (its hash no longer matches its content),
 * a deleted one (a seq gap, or a missing tail up to the recorded head), or a checkpoint that
 * no `audit_cleanup` entry vouches for (a prefix deleted by hand).
 */
export async function verifyChain(store: AuditStore): Promise<VerifyResult> {
  const view = await store.readChain();
  let expected = (view.checkpoint?.seq ?? 0) + 1;
  let prev = view.checkpoint?.hash ?? GENESIS_HASH;
  let checked = 0;
  let headSeen = false;
  let vouched: { seq: unknown; hash: unknown } | undefined;
  const bad = (seq: number, reason: string): VerifyResult => ({ ok: false, checked, firstBadSeq: seq, reason });

  for await (const { keySeq, entry } of view.entries) {
    if (entry.seq !== keySeq) return bad(keySeq, `the entry stored as seq ${keySeq} claims seq ${entry.seq}`);
    if (entry.seq > expected) return bad(expected, `entry ${expected} is missing (the next stored entry is ${entry.seq})`);
    if (entry.seq < expected) return bad(entry.seq, `entry ${entry.seq} lies before the purge checkpoint`);
    if (entry.prev_hash !== prev) return bad(entry.seq, `entry ${entry.seq} does not link to its predecessor (prev_hash differs)`);
    if (entryHash(entry) !== entry.hash) return bad(entry.seq, `entry ${entry.seq} was altered (its hash does not match its content)`);
    if (view.head && entry.seq === view.head.seq) {
      if (entry.hash !== view.head.hash) return bad(entry.seq, `entry ${entry.seq} differs from the recorded chain head`);
      headSeen = true;
    }
    if (entry.action === 'audit_cleanup' && entry.category === 'system') {
      vouched = { seq: entry.details.checkpoint_seq, hash: entry.details.checkpoint_hash };
    }
    prev = entry.hash;
    expected++;
    checked++;
  }
  if (view.head && !headSeen && view.head.seq >= expected) {
    return bad(expected, `entries ${expected}..${view.head.seq} are missing (the recorded head is ${view.head.seq})`);
  }
  if (view.checkpoint && (vouched?.seq !== view.checkpoint.seq || vouched?.hash !== view.checkpoint.hash)) {
    return bad(view.checkpoint.seq + 1, `no audit_cleanup entry confirms the purge checkpoint at seq ${view.checkpoint.seq}`);
  }
  return { ok: true, checked };
}
