import { TroupeError } from '../core/errors.ts';
import type { AuditEntry, AuditFilter, AuditStore, AuditTrail } from '../audit/index.ts';
import { EXIT_FAILED, EXIT_OK } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** `troupe audit query` flags (commander's camelCase names). */
export interface AuditQueryFlags {
  category?: string;
  action?: string;
  source?: string;
  surface?: string;
  result?: string;
  correlationId?: string;
  resourceId?: string;
  mcpTool?: string;
  workspace?: string;
  since?: string;
  until?: string;
  limit?: string;
  offset?: string;
  cursor?: string;
  json?: boolean;
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new TroupeError('INVALID_INPUT', `--${flag} must be a non-negative integer, got ${value}`);
  return Number(value);
}

function time(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(Date.parse(value))) throw new TroupeError('INVALID_INPUT', `--${flag} must be an ISO-8601 date-time, got ${value}`);
  return value;
}

/** One entry per line: time, seq, category, action, result, source, correlation id, resource. */
export function formatAuditLine(e: AuditEntry): string {
  const resource = e.resource_type || e.resource_id ? `${e.resource_type || '-'}:${e.resource_id || '-'}` : '-';
  return [e.timestamp, `#${e.seq}`, e.category, e.action, e.result || '-', e.source || '-', e.correlation_id || '-', resource].join('  ');
}

/** The filter a set of flags asks for; bad values are INVALID_INPUT (exit 2). */
export function auditFilter(f: AuditQueryFlags): AuditFilter {
  const filter: AuditFilter = {};
  const set = <K extends keyof AuditFilter>(key: K, value: AuditFilter[K] | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  set('category', f.category);
  set('action', f.action);
  set('source', f.source);
  set('surface', f.surface);
  set('result', f.result);
  set('correlation_id', f.correlationId);
  set('resource_id', f.resourceId);
  set('mcp_tool', f.mcpTool);
  set('workspace', f.workspace);
  set('start_time', time(f.since, 'since'));
  set('end_time', time(f.until, 'until'));
  set('limit', count(f.limit, 'limit'));
  set('offset', count(f.offset, 'offset'));
  set('cursor', f.cursor);
  return filter;
}

/**
 * `troupe audit query`: entries matching the flags, newest first. The query is itself audited
 * (`audit_query`, filter key names only, source=cli) and made durable before the exit.
 */
export async function auditQueryCommand(trail: AuditTrail, io: CliIo, f: AuditQueryFlags): Promise<number> {
  const filter = auditFilter(f);
  const page = await trail.query(filter);
  trail.record({ category: 'system', action: 'audit_query', result: 'succeeded', details: { filter_keys: Object.keys(filter).sort(), total: page.total } });
  if (f.json) {
    io.out(JSON.stringify({ entries: page.entries, total: page.total, ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}) }, null, 2));
  } else {
    for (const e of page.entries) io.out(formatAuditLine(e));
    io.out(`${page.entries.length} of ${page.total} entries${page.next_cursor ? ` (more: --cursor ${page.next_cursor})` : ''}`);
  }
  await trail.flush().catch((e: unknown) => io.err(`warning: the audit entry of this command was not written: ${(e as Error).message}`));
  return EXIT_OK;
}

/**
 * `troupe audit verify`: checks the hash chain, read-only (it opens the audit store, not the
 * trail: nothing is written, nothing is purged). Exit 0 when intact, 1 naming the first bad
 * entry otherwise.
 */
export async function auditVerifyCommand(store: AuditStore, io: CliIo, f: { json?: boolean } = {}): Promise<number> {
  const { verifyChain } = await import('../audit/verify-chain.ts');
  const result = await verifyChain(store);
  if (f.json) io.out(JSON.stringify(result));
  if (result.ok) {
    if (!f.json) io.out(`audit chain ok: ${result.checked} entries verified`);
    return EXIT_OK;
  }
  if (!f.json) io.err(`audit chain broken at seq ${result.firstBadSeq}: ${result.reason} (${result.checked} entries verified before it)`);
  return EXIT_FAILED;
}
