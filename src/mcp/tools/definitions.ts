import type { Tool } from '@modelcontextprotocol/sdk/types.js';

const str = (description: string) => ({ type: 'string', description });
const bool = (description: string) => ({ type: 'boolean', description });

/** `dagu_read`: hand-written schema (Dagu conformance: no `required`, strings only). */
export const readToolDefinition: Tool = {
  name: 'dagu_read',
  title: 'Read Dagu state',
  description:
    'Read DAGs, DAG specs, DAG-runs, run and step logs, and reference resources. Use target mode ' +
    '(target plus name/dagRunId/stepName/query) or URI mode (uri alone, any dagu:// URI). Start with ' +
    'target=reference for guidance. Errors carry a structured code.',
  inputSchema: {
    type: 'object',
    properties: {
      target: str('Read target: references, reference, dags, dag, dag_spec, runs, run, run_logs, or step_log.'),
      name: str('DAG name for dag, dag_spec, run, run_logs and step_log targets; topic name for reference.'),
      dagRunId: str('DAG-run ID for run, run_logs and step_log targets. The value latest is accepted.'),
      stepName: str('Step name for the step_log target.'),
      query: str('URL query string for dags, runs and run_logs, for example page=1&perPage=100 or status=1.'),
      uri: str('Resource URI to read directly, for example dagu://reference/authoring.'),
    },
    additionalProperties: false,
  },
  annotations: { title: 'Read Dagu state', readOnlyHint: true, openWorldHint: false },
};

/** `dagu_change`: properties plus a `oneOf` keyed on `type` (Dagu §3.3.1, DAG change types). */
export const changeToolDefinition: Tool = {
  name: 'dagu_change',
  title: 'Preview or apply Dagu changes',
  description:
    'Validate or write DAG YAML. mode=preview (default) only validates; mode=apply writes. type=upsert_dag ' +
    '(default) creates or replaces a DAG from spec; rename_dag renames name to newName; delete_dag removes a DAG. ' +
    'An invalid spec returns valid=false with errors and writes nothing.',
  inputSchema: {
    type: 'object',
    properties: {
      mode: str('preview or apply. Defaults to preview.'),
      type: str('Change type: upsert_dag (default), rename_dag, or delete_dag.'),
      name: str('DAG name to create, update, rename, or delete.'),
      spec: str('DAG YAML specification (upsert_dag).'),
      newName: str('New DAG name (rename_dag).'),
    },
    additionalProperties: false,
    // Dagu's branches (§3.3.1): keyed by a one-value `enum` on `type`; `type` may be left out for upsert_dag only.
    oneOf: [
      { properties: { type: { enum: ['upsert_dag'] } }, required: ['name', 'spec'] },
      { properties: { type: { enum: ['rename_dag'] } }, required: ['type', 'name', 'newName'] },
      { properties: { type: { enum: ['delete_dag'] } }, required: ['type', 'name'] },
    ],
  },
  annotations: { title: 'Preview or apply Dagu changes', destructiveHint: true, openWorldHint: false },
};

/** `dagu_execute`: start, enqueue, retry, stop, optionally waiting for the terminal status. */
export const executeToolDefinition: Tool = {
  name: 'dagu_execute',
  title: 'Execute, enqueue, retry, or stop DAG-runs',
  description:
    'Start or enqueue a stored DAG (name) or an inline spec; retry or stop a DAG-run (name + dagRunId). ' +
    'Returns the run URI; subscribe to it for a notification when the run ends, or pass wait=true to get the terminal status.',
  inputSchema: {
    type: 'object',
    properties: {
      action: str('Execution action: start, enqueue, retry, or stop.'),
      targetType: str('Target type: dag, inline_spec, or run. Defaults from action and spec.'),
      name: str('DAG name, or optional inline spec name.'),
      spec: str('Inline DAG YAML spec for start or enqueue with targetType inline_spec.'),
      dagRunId: str('DAG-run ID for start/enqueue override, retry, and stop.'),
      params: str('Runtime parameters as a JSON object string or KEY=value pairs.'),
      queue: str('Queue override for enqueue.'),
      singleton: bool('Prevent duplicate running or queued DAG-runs when supported by the action.'),
      labels: { type: 'array', items: { type: 'string' }, description: 'Additional labels, each as key=value or key-only.' },
      stepName: str('Optional step name for retry.'),
      noReuse: bool('Accepted for Dagu compatibility; Troupe has no build steps to reuse.'),
      includeDownstream: bool('Retry the selected step and all of its downstream steps; requires stepName.'),
      wait: bool('Wait for the run to reach a terminal status (up to timeoutSec) before returning.'),
      timeoutSec: { type: 'integer', minimum: 1, maximum: 3600, description: 'Longest wait in seconds with wait=true. Defaults to 60.' },
    },
    required: ['action'],
    additionalProperties: false,
  },
  annotations: { title: 'Execute, enqueue, retry, or stop DAG-runs', destructiveHint: true, openWorldHint: false },
  // start/enqueue may be called as an MCP task (2025-11-25 tasks/*; in 2026-07-28 the Tasks
  // extension, see modern-tasks.ts): the task follows the run.
  execution: { taskSupport: 'optional' },
};

/** The three tools, sorted by name as `tools/list` returns them. */
export const TOOL_DEFINITIONS: readonly Tool[] = [changeToolDefinition, executeToolDefinition, readToolDefinition];
