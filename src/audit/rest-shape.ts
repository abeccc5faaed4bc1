import type { AuditEntry, AuditFilter } from './types.ts';

/**
 * The camelCase names of the exact-match filters, as `GET /api/v1/audit` and the `audit`
 * stream take them, mapped to the stored (snake_case) field.
 */
export const AUDIT_FILTER_PARAMS: Readonly<Record<string, keyof AuditFilter>> = {
  category: 'category',
  action: 'action',
  source: 'source',
  surface: 'surface',
  result: 'result',
  correlationId: 'correlation_id',
  requestId: 'request_id',
  sessionId: 'session_id',
  resourceType: 'resource_type',
  resourceId: 'resource_id',
  workspace: 'workspace',
  credentialId: 'credential_id',
  credentialType: 'credential_type',
  mcpTool: 'mcp_tool',
  userId: 'user_id',
  ipAddress: 'ip_address',
};

/** The REST (camelCase) form of a stored audit entry, shared by the audit API and the audit stream. */
export function auditEntryJson(e: AuditEntry) {
  return {
    id: e.id,
    seq: e.seq,
    timestamp: e.timestamp,
    category: e.category,
    action: e.action,
    source: e.source,
    surface: e.surface,
    result: e.result,
    correlationId: e.correlation_id,
    requestId: e.request_id,
    sessionId: e.session_id,
    resourceType: e.resource_type,
    resourceId: e.resource_id,
    workspace: e.workspace,
    credentialId: e.credential_id,
    credentialType: e.credential_type,
    mcpTool: e.mcp_tool,
    userId: e.user_id,
    username: e.username,
    ipAddress: e.ip_address,
    details: e.details,
    prevHash: e.prev_hash,
    hash: e.hash,
  };
}
