import { currentContext } from '../core/index.ts';
import type { AuditResult, AuditTrail } from '../audit/types.ts';
import { currentModern } from './era-context.ts';

/**
 * The `details` keys an MCP entry always carries, from the current operation context. In the
 * 2026-07-28 era there is no session: the request's JSON-RPC id (and a listen stream's
 * subscription id) take its place, with the protocol version from the request's envelope.
 */
export function sessionDetails(): Record<string, unknown> {
  const ctx = currentContext();
  const modern = currentModern();
  return compact({
    session_id: ctx?.sessionId,
    protocol_version: modern?.protocolVersion,
    mcp_request_id: modern?.jsonrpcId,
    subscription_id: modern?.subscriptionId,
    client_name: ctx?.clientName,
    client_version: ctx?.clientVersion,
    transport: ctx?.transport,
    request_id: ctx?.requestId,
    mcp_action: ctx?.mcpAction,
    requested_workspace: ctx?.workspace ?? 'default',
  });
}

/** What an `mcp.*` entry is about. */
export interface McpAuditSubject {
  resource_type: string;
  resource_id: string;
  mcp_tool?: string;
  details?: Record<string, unknown>;
}

/** Builds the `AuditInput` of one `mcp.*` entry (category `mcp`, context from the caller). */
export function mcpEntry(action: string, result: AuditResult, about: McpAuditSubject, extra: Record<string, unknown> = {}) {
  const ctx = currentContext();
  return {
    category: 'mcp',
    action,
    result,
    resource_type: about.resource_type,
    resource_id: about.resource_id,
    workspace: ctx?.workspace ?? 'default',
    ...(about.mcp_tool ? { mcp_tool: about.mcp_tool } : {}),
    details: compact({ ...sessionDetails(), result, ...about.details, ...extra }),
  };
}

/** Records an `mcp.*` entry without waiting (never throws). */
export function recordMcp(audit: AuditTrail, action: string, result: AuditResult, about: McpAuditSubject, extra?: Record<string, unknown>): void {
  audit.record(mcpEntry(action, result, about, extra));
}

/** The audit details Dagu lifts from a tool's output (`mergeToolOutputAuditDetails`). */
export function outputAuditDetails(output: Record<string, unknown>): Record<string, unknown> {
  return compact({
    dag_run_id: typeof output.dagRunId === 'string' ? output.dagRunId : undefined,
    run_uri: typeof output.runUri === 'string' ? output.runUri : undefined,
    applied: typeof output.applied === 'boolean' ? output.applied : undefined,
    valid: typeof output.valid === 'boolean' ? output.valid : undefined,
  });
}

/** Trims and cuts to `max` code points (Dagu's `sanitizeAuditString`). */
export function auditString(value: string, max: number): string {
  return Array.from(value.trim()).slice(0, max).join('');
}

function compact(value: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(value)) if (value[k] === undefined) delete value[k];
  return value;
}
