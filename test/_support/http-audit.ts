import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { TroupeError, currentContext, isoTime, newId, originOf } from '../../src/core/index.ts';
import type { AuditEntry, AuditFilter, AuditInput, AuditPage, AuditTrail } from '../../src/audit/types.ts';

/**
 * A small in-memory AuditTrail for HTTP tests, used until (or where) the real trail is not
 * needed. It resolves context fields the way the contract says: origin, else current context.
 * `failWrites = true` makes `assertWritable` reject like a fail_closed trail with a broken store.
 */
export function createMemoryAudit(): AuditTrail & { entries: AuditEntry[]; failWrites: boolean } {
  const entries: AuditEntry[] = [];
  const live = new Subject<AuditEntry>();
  const build = (input: AuditInput): AuditEntry => {
    const ctx = currentContext();
    const o = input.origin ?? (ctx ? originOf(ctx) : undefined);
    const entry: AuditEntry = {
      id: newId(),
      timestamp: isoTime(input.at ?? Date.now()),
      seq: entries.length + 1,
      category: input.category,
      action: input.action,
      source: o?.source ?? '',
      surface: o?.surface ?? '',
      result: input.result ?? '',
      correlation_id: o?.correlationId ?? '',
      request_id: o?.requestId ?? '',
      session_id: o?.sessionId ?? '',
      resource_type: input.resource_type ?? '',
      resource_id: input.resource_id ?? '',
      workspace: input.workspace ?? o?.workspace ?? '',
      credential_id: o?.credentialId ?? '',
      credential_type: o?.credentialType ?? '',
      mcp_tool: input.mcp_tool ?? o?.mcpTool ?? '',
      user_id: o?.userId ?? '',
      username: o?.username ?? '',
      ip_address: o?.ipAddress ?? '',
      details: input.details ?? {},
      prev_hash: '',
      hash: '',
    };
    entries.push(entry);
    live.next(entry);
    return entry;
  };
  const trail = {
    entries,
    failWrites: false,
    record: (input: AuditInput) => void build(input),
    recordDurable: async (input: AuditInput) => build(input),
    flush: async () => {},
    async assertWritable() {
      if (trail.failWrites) throw new TroupeError('AUDIT_UNAVAILABLE', 'audit store is not writable');
    },
    async query(filter: AuditFilter): Promise<AuditPage> {
      const keys = ['category', 'action', 'source', 'surface', 'result', 'correlation_id', 'resource_type', 'resource_id', 'workspace', 'credential_id', 'credential_type', 'mcp_tool', 'user_id', 'ip_address'] as const;
      const hits = entries.filter((e) => keys.every((k) => filter[k] === undefined || e[k] === filter[k])).reverse();
      const offset = filter.offset ?? 0;
      const limit = filter.limit ?? 50;
      return { entries: hits.slice(offset, offset + limit), total: hits.length };
    },
    tail$: (): Observable<AuditEntry> => live.asObservable(),
    verify: async () => ({ ok: true, checked: entries.length }),
    purge: async () => 0,
    close: async () => {},
  };
  return trail;
}
