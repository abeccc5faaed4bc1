import type { RunRef, StartOptions } from '../../actors/types.ts';
import { requireRight, workspaceOfLabels } from '../access.ts';
import { ToolFailure } from '../tool-failure.ts';
import { runLogsUri, runUri } from '../uris.ts';
import { paramKeys, parseExecuteInput } from './parse-execute.ts';
import type { ExecuteRequest } from './parse-execute.ts';
import { linkFor, withReferences } from './result.ts';
import type { ToolOutput } from './result.ts';
import type { ToolDeps, ToolHandler } from './run.ts';

const notFound = (req: ExecuteRequest, what = 'DAG'): ToolFailure =>
  new ToolFailure('resource_not_found', what === 'DAG' ? `DAG ${req.name} not found` : `DAG-run ${req.name}:${req.dagRunId} not found`, { action: req.action, dagName: req.name });

/** Checks the caller's right for the call and returns the workspace it acts in. */
async function authorize(req: ExecuteRequest, deps: ToolDeps): Promise<void> {
  const { runtime } = deps;
  const echo = { action: req.action, dagName: req.name };
  if (req.targetType === 'inline_spec') {
    // Inline specs are code the caller writes: Dagu (HEAD) asks for write rights in the spec's workspace.
    const report = runtime.validateDag(req.spec!, req.name);
    if (!report.valid) throw new ToolFailure('invalid_tool_input', `spec is not valid: ${report.errors.join('; ')}`, { field: 'spec', ...echo, details: { errors: report.errors } });
    requireRight('write', workspaceOfLabels(report.spec?.labels), () => new ToolFailure('unauthorized', 'Insufficient permissions.', echo), echo);
    return;
  }
  if (req.targetType === 'dag') {
    const dag = await runtime.getDag(req.name!);
    if (!dag) throw notFound(req);
    requireRight('execute', dag.workspace, () => notFound(req), echo);
    return;
  }
  const run = await runtime.getRun(req.name!, req.dagRunId!);
  if (!run) throw notFound(req, 'run');
  requireRight('execute', run.workspace, () => notFound(req, 'run'), echo);
  // `latest` resolves to the real id, so retry/stop act on that run.
  req.dagRunId = run.dagRunId;
}

function startOptions(req: ExecuteRequest): StartOptions {
  const o: StartOptions = {};
  if (req.params !== undefined) o.params = req.params;
  if (req.dagRunId !== undefined) o.dagRunId = req.dagRunId;
  if (req.singleton !== undefined) o.singleton = req.singleton;
  if (req.queue !== undefined) o.queue = req.queue;
  if (req.labels !== undefined) o.labels = req.labels;
  return o;
}

async function perform(req: ExecuteRequest, deps: ToolDeps): Promise<RunRef> {
  const { runtime } = deps;
  const ref = req.targetType === 'inline_spec' ? { spec: req.spec!, ...(req.name ? { name: req.name } : {}) } : { name: req.name! };
  switch (req.action) {
    case 'start':
      return runtime.start(ref, startOptions(req));
    case 'enqueue':
      return runtime.enqueue(ref, startOptions(req));
    case 'retry': {
      const r = await runtime.retry(req.name!, req.dagRunId!, {
        ...(req.stepName ? { stepName: req.stepName } : {}),
        ...(req.includeDownstream ? { includeDownstream: true } : {}),
      });
      return { name: r.name, dagRunId: r.dagRunId };
    }
    case 'stop':
      await runtime.stop(req.name!, req.dagRunId!);
      return { name: req.name!, dagRunId: req.dagRunId! };
  }
}

/** `dagu_execute`: start, enqueue, retry or stop a DAG-run; optionally wait for its end. */
export const executeTool: ToolHandler<ExecuteRequest> = {
  name: 'dagu_execute',
  parse: parseExecuteInput,
  describe(req) {
    return {
      action: req.action,
      resourceType: req.targetType,
      resourceId: (req.name ? (req.dagRunId ? `${req.name}/${req.dagRunId}` : req.name) : 'inline_spec').slice(0, 256),
      attrs: {
        action: req.action,
        target_type: req.targetType,
        ...(req.name ? { dag_name: req.name } : {}),
        ...(req.dagRunId ? { dag_run_id: req.dagRunId } : {}),
        ...(req.queue ? { queue: req.queue } : {}),
        ...(req.stepName ? { step_name: req.stepName } : {}),
        singleton: req.singleton === true,
        label_count: req.labels?.length ?? 0,
        has_spec: req.spec !== undefined,
        spec_bytes: req.spec === undefined ? 0 : Buffer.byteLength(req.spec),
        params_keys: paramKeys(req.params),
        include_downstream: req.includeDownstream === true,
        wait: req.wait,
      },
      mutating: true,
    };
  },
  async execute(req, deps): Promise<ToolOutput> {
    await authorize(req, deps);
    const ref = await perform(req, deps);
    const uri = runUri(ref.name, ref.dagRunId);
    const logsUri = runLogsUri(ref.name, ref.dagRunId);
    const out: Record<string, unknown> = {
      action: req.action,
      targetType: req.targetType,
      dagName: ref.name,
      dagRunId: ref.dagRunId,
      runUri: uri,
      logsUri,
    };
    let ended = false;
    if (req.wait) {
      const { details, timedOut } = await deps.runtime.waitForRun(ref.name, ref.dagRunId, req.timeoutSec * 1000);
      ended = !timedOut;
      Object.assign(out, { status: details.status, statusLabel: details.statusLabel, timedOut });
    }
    if (!ended) out.subscribe = `Subscribe to ${uri} to receive an MCP resource update notification when the run reaches a terminal state.`;
    return {
      text: 'Dagu execute action completed.',
      structured: withReferences(out),
      links: [
        linkFor(uri, 'run', 'Subscribe to this resource for completion notification.'),
        linkFor(logsUri, 'run_logs', 'Logs for this DAG-run.'),
      ],
    };
  },
};
