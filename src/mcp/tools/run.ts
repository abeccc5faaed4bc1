import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { currentContext, newId, withContextPatch } from '../../core/index.ts';
import type { Runtime } from '../../actors/types.ts';
import type { AuditTrail } from '../../audit/types.ts';
import { auditString, mcpEntry, outputAuditDetails, recordMcp } from '../audit.ts';
import { isDenial, toToolFailure } from '../errors.ts';
import { ToolFailure, isToolFailure } from '../tool-failure.ts';
import { errorResult, successResult } from './result.ts';
import type { ToolOutput } from './result.ts';

/** What the tools need from the rest of Troupe. */
export interface ToolDeps {
  runtime: Runtime;
  audit: AuditTrail;
}

/** How one parsed call is described in its audit entries. */
export interface ToolAuditMeta {
  /** `mcp_action`: read, preview/apply, start/enqueue/retry/stop. */
  action: string;
  resourceType: string;
  resourceId: string;
  /** Extra detail attributes: names, counts and sizes only, never values or specs. */
  attrs: Record<string, unknown>;
  /** State-changing calls are audited durably (and refused when the trail cannot write). */
  mutating: boolean;
}

/** One tool: strict parsing, an audit description, and the implementation. */
export interface ToolHandler<P> {
  name: string;
  parse(args: unknown): P;
  describe(parsed: P): ToolAuditMeta;
  execute(parsed: P, deps: ToolDeps): Promise<ToolOutput>;
}

/**
 * Runs one tool call with its audit lifecycle (received → started → succeeded | failed |
 * denied) under a fresh correlation id, so the entries, the downstream `dag_*` events and a
 * run's later terminal entry all share it; the result returns it in `_meta`. Input that does
 * not parse is answered without audit entries, as Dagu does.
 */
export async function runTool<P>(handler: ToolHandler<P>, args: unknown, deps: ToolDeps): Promise<CallToolResult> {
  const correlationId = newId();
  let parsed: P;
  try {
    parsed = handler.parse(args);
  } catch (error) {
    return errorResult(toToolFailure(error), correlationId);
  }
  const meta = handler.describe(parsed);
  const patch = { correlationId, mcpTool: handler.name, mcpAction: meta.action, ...(currentContext() ? {} : { source: 'mcp' as const }) };
  return withContextPatch(patch, async () => {
    const about = { resource_type: meta.resourceType, resource_id: meta.resourceId, mcp_tool: handler.name, details: { mcp_tool: handler.name, ...meta.attrs } };
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    try {
      if (meta.mutating) {
        // Nothing state-changing runs unless its `received` entry is durable.
        try {
          await deps.audit.assertWritable();
          await deps.audit.recordDurable(mcpEntry('mcp.tool_call.received', 'received', about));
        } catch (cause) {
          throw new ToolFailure('resource_unavailable', 'The audit trail cannot record; nothing was executed.', { details: { reason: (cause as Error).message } });
        }
      } else {
        recordMcp(deps.audit, 'mcp.tool_call.received', 'received', about);
      }
      recordMcp(deps.audit, 'mcp.tool_call.started', 'started', about);
      const out = await handler.execute(parsed, deps);
      const succeeded = mcpEntry('mcp.tool_call.succeeded', 'succeeded', about, { duration_ms: elapsed(), ...outputAuditDetails(out.structured) });
      if (meta.mutating) {
        // Acknowledged means durable: the runtime made the call's dag_* entry durable before
        // it returned; the call's own `succeeded` entry is durable before the answer too.
        try {
          await deps.audit.recordDurable(succeeded);
        } catch (cause) {
          throw new ToolFailure('resource_unavailable', 'The change was made, but the audit trail cannot record its completion.', { details: { reason: (cause as Error).message } });
        }
      } else deps.audit.record(succeeded);
      return successResult(out, correlationId);
    } catch (error) {
      const failure = toToolFailure(error);
      const denied = isDenial(failure);
      recordMcp(deps.audit, denied ? 'mcp.tool_call.denied' : 'mcp.tool_call.failed', denied ? 'denied' : 'failed', about, {
        duration_ms: elapsed(),
        error: auditString(failure.message, 512),
        error_code: failure.code,
      });
      return errorResult(failure, correlationId);
    }
  });
}
