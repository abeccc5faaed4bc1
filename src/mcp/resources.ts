import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ReadResourceResult, Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import { recordMcp } from './audit.ts';
import { isDenial, toToolFailure } from './errors.ts';
import { REFERENCE_TOPICS } from './reference/index.ts';
import { parseReadInput } from './tools/parse-read.ts';
import { readData } from './tools/read.ts';
import type { ToolDeps } from './tools/run.ts';
import { referenceUri, uriAuditResource } from './uris.ts';

/** JSON-RPC code for "resource not found" (spec 2025-11-25). */
export const RESOURCE_NOT_FOUND = -32002;

/** `resources/list`: the static reference topics. */
export const STATIC_RESOURCES: Resource[] = REFERENCE_TOPICS.map((t) => ({
  uri: referenceUri(t.topic),
  name: t.name,
  title: t.title,
  description: `Troupe MCP reference: ${t.title}.`,
  mimeType: 'text/markdown',
}));

/** `resources/templates/list`: DAG specs, runs, run logs and step logs. */
export const RESOURCE_TEMPLATES: ResourceTemplate[] = [
  { uriTemplate: 'dagu://dags/{name}/spec', name: 'dag_spec', title: 'DAG spec', description: 'The stored DAG YAML.', mimeType: 'application/yaml' },
  { uriTemplate: 'dagu://runs/{name}/{dagRunId}', name: 'dag_run', title: 'DAG-run', description: 'DAG-run details. Subscribe for a notification when the run reaches a terminal state.', mimeType: 'application/json' },
  { uriTemplate: 'dagu://runs/{name}/{dagRunId}/logs', name: 'dag_run_logs', title: 'DAG-run logs', description: 'Scheduler log tail and per-step log metadata; accepts ?tail=N.', mimeType: 'application/json' },
  { uriTemplate: 'dagu://runs/{name}/{dagRunId}/steps/{stepName}/logs', name: 'dag_run_step_log', title: 'Step log', description: 'The last 1000 lines of a step\'s stdout and stderr.', mimeType: 'application/json' },
];

/**
 * `resources/read` of a `dagu://` URI, with `mcp.resource.read.*` audit entries. Unknown or
 * invisible resources answer JSON-RPC -32002; a malformed URI or query -32602.
 */
export async function readResource(uri: string, deps: ToolDeps): Promise<ReadResourceResult> {
  const about = uriAuditResource(uri);
  const details = { mcp_action: 'read_resource' };
  recordMcp(deps.audit, 'mcp.resource.read.received', 'received', { ...about, details });
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
  try {
    const req = parseReadInput({ uri });
    let text: string;
    let mimeType = 'application/json';
    const data = await readData(req, deps);
    if (req.target === 'reference') {
      text = (data as { text: string }).text;
      mimeType = 'text/markdown';
    } else if (req.target === 'dag_spec') {
      text = (data as { spec: string }).spec;
      mimeType = 'application/yaml';
    } else if (req.target === 'run') {
      // The shape Dagu's run resource serves: the run-details response, pretty-printed.
      const { uri: _uri, ...details } = data as Record<string, unknown>;
      text = JSON.stringify({ dagRunDetails: details }, null, 2);
    } else {
      text = JSON.stringify(data, null, 2);
    }
    recordMcp(deps.audit, 'mcp.resource.read.succeeded', 'succeeded', { ...about, details }, { duration_ms: elapsed(), mime_type: mimeType });
    return { contents: [{ uri, mimeType, text }] };
  } catch (error) {
    const failure = toToolFailure(error);
    const denied = isDenial(failure);
    recordMcp(deps.audit, denied ? 'mcp.resource.read.denied' : 'mcp.resource.read.failed', denied ? 'denied' : 'failed', { ...about, details }, {
      duration_ms: elapsed(),
      error: failure.message.slice(0, 512),
    });
    switch (failure.code) {
      case 'resource_not_found':
      case 'unsupported_resource':
        throw new McpError(RESOURCE_NOT_FOUND, 'Resource not found', { uri });
      case 'invalid_resource_uri':
      case 'invalid_tool_input':
        throw new McpError(-32602, `Invalid resource URI: ${failure.message}`, { uri });
      default:
        throw new McpError(-32603, failure.message, { uri, code: failure.code });
    }
  }
}
