import type { Observable } from 'rxjs';
import type { OperationOrigin } from '../core/index.ts';

export type AuditCategory = 'mcp' | 'dag' | 'api_key' | 'user' | 'system' | 'auth';
export type AuditResult = 'received' | 'started' | 'succeeded' | 'failed' | 'denied';

/** One stored audit entry (snake_case, as stored; the REST API answers in camelCase). */
export interface AuditEntry {
  id: string;
  /** ISO-8601 UTC with milliseconds. */
  timestamp: string;
  /** Global, monotonic, gap-free until a retention purge. */
  seq: number;
  category: AuditCategory | string;
  action: string;
  source: string;
  surface: string;
  result: string;
  correlation_id: string;
  request_id: string;
  session_id: string;
  resource_type: string;
  resource_id: string;
  workspace: string;
  credential_id: string;
  credential_type: string;
  mcp_tool: string;
  user_id: string;
  username: string;
  ip_address: string;
  details: Record<string, unknown>;
  /** SHA-256 hex of the previous entry (all zeros for the first). */
  prev_hash: string;
  /** SHA-256 hex over prev_hash and this entry's canonical JSON (without `hash`). */
  hash: string;
}

/**
 * What a producer hands to the trail. Context fields (source, surface, correlation id,
 * credential, subject, workspace, ip) come from `origin` when given, else from the current
 * operation context (`core/context`), else they are empty.
 */
export interface AuditInput {
  category: AuditCategory | string;
  action: string;
  result?: AuditResult;
  resource_type?: string;
  resource_id?: string;
  workspace?: string;
  mcp_tool?: string;
  details?: Record<string, unknown>;
  origin?: OperationOrigin;
  /** Epoch ms; defaults to the clock's now. */
  at?: number;
}

export interface AuditFilter {
  category?: string;
  action?: string;
  source?: string;
  surface?: string;
  result?: string;
  correlation_id?: string;
  request_id?: string;
  session_id?: string;
  resource_type?: string;
  resource_id?: string;
  workspace?: string;
  credential_id?: string;
  credential_type?: string;
  mcp_tool?: string;
  user_id?: string;
  ip_address?: string;
  /** ISO-8601 or epoch ms; inclusive. */
  start_time?: string | number;
  end_time?: string | number;
  /** Default 50, at most 500. */
  limit?: number;
  offset?: number;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  total: number;
  next_cursor?: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first seq whose hash (or link to its predecessor) does not hold. */
  firstBadSeq?: number;
  reason?: string;
}

/** The audit trail, as producers and readers see it. */
export interface AuditTrail {
  /** Queues an entry; it is written in the next batch. Never throws; failures are surfaced by `healthy`. */
  record(input: AuditInput): void;
  /** Writes an entry and resolves once it is durable. Rejects with `AUDIT_UNAVAILABLE` on failure. */
  recordDurable(input: AuditInput): Promise<AuditEntry>;
  /** Resolves when everything recorded so far is durable. */
  flush(): Promise<void>;
  /**
   * Rejects with `AUDIT_UNAVAILABLE` when the policy is fail_closed and the store cannot
   * write; resolves otherwise. Call before any state change.
   */
  assertWritable(): Promise<void>;
  query(filter: AuditFilter): Promise<AuditPage>;
  /** Live entries matching the filter (exact-match fields only), as they are written. */
  tail$(filter?: AuditFilter): Observable<AuditEntry>;
  verify(): Promise<VerifyResult>;
  /** Deletes entries older than the retention window; returns how many were removed. */
  purge(now?: number): Promise<number>;
  close(): Promise<void>;
}
