import { currentContext, isoTime, newId, originOf } from '../core/index.ts';
import type { OperationOrigin } from '../core/index.ts';
import type { UnsealedEntry } from './chain.ts';
import { redactDetails, sortKeys } from './redact.ts';
import type { AuditInput } from './types.ts';

/**
 * Builds an entry from what a producer handed over, attributed to `input.origin`, else to the
 * current operation context, else to nobody (empty strings). Must run synchronously inside the
 * producer's call, because the operation context is only visible there.
 */
export function attributeEntry(input: AuditInput, nowMs: number): UnsealedEntry {
  const ctx = input.origin ? undefined : currentContext();
  const o: Partial<OperationOrigin> = input.origin ?? (ctx ? originOf(ctx) : {});
  return {
    id: newId(),
    timestamp: isoTime(input.at ?? nowMs),
    category: input.category,
    action: input.action,
    source: o.source ?? '',
    surface: o.surface ?? '',
    result: input.result ?? '',
    correlation_id: o.correlationId ?? '',
    request_id: o.requestId ?? '',
    session_id: o.sessionId ?? '',
    resource_type: input.resource_type ?? '',
    resource_id: input.resource_id ?? '',
    workspace: input.workspace ?? o.workspace ?? '',
    credential_id: o.credentialId ?? '',
    credential_type: o.credentialType ?? '',
    mcp_tool: input.mcp_tool ?? o.mcpTool ?? '',
    user_id: o.userId ?? '',
    username: o.username ?? '',
    ip_address: o.ipAddress ?? '',
    details: withSourceDetails(redactDetails(input.details), o),
  };
}

// Source-context fields that have no column of their own go into details, as Dagu does.
function withSourceDetails(details: Record<string, unknown>, o: Partial<OperationOrigin>): Record<string, unknown> {
  const extra: Array<[string, string | undefined]> = [
    ['client_name', o.clientName],
    ['client_version', o.clientVersion],
    ['transport', o.transport],
    ['mcp_action', o.mcpAction],
  ];
  let out = details;
  for (const [key, value] of extra) {
    if (value === undefined || value === '' || key in out) continue;
    if (out === details) out = { ...details };
    out[key] = value;
  }
  // Keep keys sorted, so the stored object is already in canonical order.
  return out === details ? details : sortKeys(out);
}
