import { currentContext } from '../core/index.ts';
import type { AuditResult, AuditTrail } from '../audit/types.ts';
import { currentModern } from './era-context.ts';

/**
 * The `details` keys an MCP entry always carries, from the current operation context. In the
 * 2026-07-28 era there is no session: the request's JSON-RPC id (and a listen stream's
 * subscription id) take its place, with the protocol version from the request's envelope.
 */
export function sessionDetails(): Record<string, unknown> {
  return putSessionDetails({});
}

/**
 * Writes the session keys into `out`, leaving absent values out (no `delete` afterwards: an
 * entry's details were built three times per call, and deleting keys made each object slow).
 */
function putSessionDetails(out: Record<string, unknown>): Record<string, unknown> {
  const ctx = currentContext();
  const modern = currentModern();
  if (ctx?.sessionId !== undefined) out.session_id = ctx.sessionId;
  if (modern) {
    out.protocol_version = modern.protocolVersion;
    if (modern.jsonrpcId !== undefined) out.mcp_request_id = modern.jsonrpcId;
    if (modern.subscriptionId !== undefined) out.subscription_id = modern.subscriptionId;
  }
  if (ctx?.clientName !== undefined) out.client_name = ctx.clientName;
  if (ctx?.clientVersion !== undefined) out.client_version = ctx.clientVersion;
  if (ctx?.transport !== undefined) out.transport = ctx.transport;
  if (ctx?.requestId !== undefined) out.request_id = ctx.requestId;
  if (ctx?.mcpAction !== undefined) out.mcp_action = ctx.mcpAction;
  out.requested_workspace = ctx?.workspace ?? 'default';
  return out;
}

/** What an `mcp.*` entry is about. */
export interface McpAuditSubject {
  resource_type: string;
  resource_id: string;
  mcp_tool?: string;
  details?: Record<string, unknown>;
}

function putDefined(out: Record<string, unknown>, from: Record<string, unknown> | undefined): void {
  if (!from) return;
  for (const k in from) {
    const v = from[k];
    if (v !== undefined) out[k] = v;
  }
}

/** Builds the `AuditInput` of one `mcp.*` entry (category `mcp`, context from the caller). */
export function mcpEntry(action: string, result: AuditResult, about: McpAuditSubject, extra?: Record<string, unknown>) {
  const details = putSessionDetails({});
  details.result = result;
  putDefined(details, about.details);
  putDefined(details, extra);
  const entry: { category: string; action: string; result: AuditResult; resource_type: string; resource_id: string; workspace: string; mcp_tool?: string; details: Record<string, unknown> } = {
    category: 'mcp',
    action,
    result,
    resource_type: about.resource_type,
    resource_id: about.resource_id,
    workspace: currentContext()?.workspace ?? 'default',
    details,
  };
  if (about.mcp_tool) entry.mcp_tool = about.mcp_tool;
  return entry;
}

/** Records an `mcp.*` entry without waiting (never throws). */
export function recordMcp(audit: AuditTrail, action: string, result: AuditResult, about: McpAuditSubject, extra?: Record<string, unknown>): void {
  audit.record(mcpEntry(action, result, about, extra));
}

/** The audit details Dagu lifts from a tool's output (`mergeToolOutputAuditDetails`). */
export function outputAuditDetails(output: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof output.dagRunId === 'string') out.dag_run_id = output.dagRunId;
  if (typeof output.runUri === 'string') out.run_uri = output.runUri;
  if (typeof output.applied === 'boolean') out.applied = output.applied;
  if (typeof output.valid === 'boolean') out.valid = output.valid;
  return out;
}

/** Trims and cuts to `max` code points (Dagu's `sanitizeAuditString`). */
export function auditString(value: string, max: number): string {
  return Array.from(value.trim()).slice(0, max).join('');
}
