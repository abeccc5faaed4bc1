import { TroupeError, isTroupeError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { UnsealedEntry } from './chain.ts';
import type { AuditEntry, AuditFilter } from './types.ts';

/**
 * Messages between the audit trail's owner on the main thread (`createThreadedAuditTrail`) and
 * the audit thread (`serveAuditThread`). Entries cross attributed and unsealed; the thread seals
 * them (seq and hash chain), writes them, and tells each durable one's place back.
 */
export type ToAuditThread =
  /** A batch in the order it was recorded; `durable[i]` is 0, or the id its answer carries. */
  | { t: 'entries'; entries: UnsealedEntry[]; durable: number[] }
  | { t: 'call'; id: number; op: 'flush' | 'assertWritable' | 'verify' | 'close' }
  | { t: 'call'; id: number; op: 'query'; filter: AuditFilter }
  | { t: 'call'; id: number; op: 'purge'; now: number }
  /** Whether written entries are sent back (somebody on the main thread watches `tail$`). */
  | { t: 'tail'; on: boolean };

/** An error as it crosses the thread boundary; rebuilt as a `TroupeError` on the other side. */
export interface ThreadError {
  code: ErrorCode;
  message: string;
}

export type FromAuditThread =
  | { t: 'ready' }
  | { t: 'open_failed'; error: ThreadError }
  | { t: 'durable'; id: number; seq: number; prevHash: string; hash: string }
  | { t: 'durable'; id: number; error: ThreadError }
  | { t: 'reply'; id: number; value?: unknown }
  | { t: 'reply'; id: number; error: ThreadError }
  | { t: 'written'; entries: AuditEntry[] }
  | { t: 'log'; message: string };

/** What the audit thread needs to open its trail (`workerData`). */
export interface AuditThreadConfig {
  dataDir: string;
  onFailure: 'fail_closed' | 'fail_open';
  retentionDays: number;
}

/** A failure as it crosses the boundary: its code and message (never a stack). */
export function toThreadError(error: unknown): ThreadError {
  if (isTroupeError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: (error as Error)?.message ?? String(error) };
}

/** The `TroupeError` on the receiving side. */
export function fromThreadError(error: ThreadError): TroupeError {
  return new TroupeError(error.code, error.message);
}
