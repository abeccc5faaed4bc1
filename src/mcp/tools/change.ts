import type { DagSpec } from '../../dag/types.ts';
import type { ValidationReport } from '../../actors/types.ts';
import { canSee, requireRight, workspaceOfLabels } from '../access.ts';
import { ToolFailure } from '../tool-failure.ts';
import { dagSpecUri } from '../uris.ts';
import { parseChangeInput } from './parse-change.ts';
import type { ChangeRequest } from './parse-change.ts';
import { linkFor, withReferences } from './result.ts';
import type { ToolOutput } from './result.ts';
import type { ToolDeps, ToolHandler } from './run.ts';

const TEXT = {
  invalid: 'DAG spec is not valid; no changes were applied.',
  previewValid: 'DAG spec is valid. Re-run with mode=apply to write it.',
  applied: 'DAG change applied.',
  renamePreview: 'DAG rename is valid. Re-run with mode=apply to rename it.',
  renamed: 'DAG rename applied.',
  deletePreview: 'DAG deletion is valid. Re-run with mode=apply to delete it.',
  deleted: 'DAG deletion applied.',
};

/** The normalised DAG model a valid change returns (structure, not parameter values). */
function dagModel(spec: DagSpec): Record<string, unknown> {
  return {
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    type: spec.type,
    labels: spec.labels,
    workspace: workspaceOfLabels(spec.labels),
    params: spec.params.map((p) => p.name),
    schedule: spec.schedule,
    ...(spec.queue ? { queue: spec.queue } : {}),
    steps: spec.steps.map((s) => ({ name: s.name, depends: s.depends })),
  };
}

async function upsert(req: Extract<ChangeRequest, { type: 'upsert_dag' }>, deps: ToolDeps): Promise<ToolOutput> {
  const { runtime } = deps;
  const dagUri = dagSpecUri(req.name);
  const base = { mode: req.mode, type: req.type, dagName: req.name, dagUri };
  const echo = { mode: req.mode, type: req.type, dagName: req.name, dagUri };
  const existing = await runtime.getDag(req.name);
  // A DAG in a workspace the caller cannot see is treated as absent for reads but must not be
  // overwritten blindly: writing it needs write rights in its workspace, checked below.
  const report: ValidationReport = runtime.validateDag(req.spec, req.name);
  const links = [linkFor(dagUri, 'dag_spec')];
  if (!report.valid) {
    return { text: TEXT.invalid, structured: withReferences({ ...base, valid: false, errors: report.errors, applied: false }), links };
  }
  const dag = report.spec ? dagModel(report.spec) : undefined;
  if (req.mode === 'preview') {
    return { text: TEXT.previewValid, structured: withReferences({ ...base, valid: true, errors: [], applied: false, ...(dag ? { dag } : {}) }), links };
  }
  const notFound = () => new ToolFailure('resource_not_found', 'DAG not found.', echo);
  if (existing) requireRight('write', existing.workspace, () => new ToolFailure('unauthorized', 'Insufficient permissions.', echo), echo);
  requireRight('write', workspaceOfLabels(report.spec?.labels), notFound, echo);
  const { created, report: written } = await runtime.putDag(req.name, req.spec);
  if (!written.valid) {
    return { text: TEXT.invalid, structured: withReferences({ ...base, valid: false, errors: written.errors, applied: false }), links };
  }
  return {
    text: TEXT.applied,
    structured: withReferences({ ...base, valid: true, errors: [], applied: true, created, updated: !created, ...(dag ? { dag } : {}) }),
    links,
  };
}

async function rename(req: Extract<ChangeRequest, { type: 'rename_dag' }>, deps: ToolDeps): Promise<ToolOutput> {
  const { runtime } = deps;
  const echo = { mode: req.mode, type: req.type, dagName: req.name, dagUri: dagSpecUri(req.name) };
  const source = await runtime.getDag(req.name);
  if (!source || !canSee(source.workspace)) throw new ToolFailure('resource_not_found', 'DAG not found.', echo);
  if (await runtime.getDag(req.newName)) throw new ToolFailure('conflict', `DAG ${req.newName} already exists.`, { ...echo, newDagName: req.newName });
  if (req.mode === 'apply') requireRight('write', source.workspace, () => new ToolFailure('resource_not_found', 'DAG not found.', echo), echo);
  const newDagUri = dagSpecUri(req.newName);
  const common = { mode: req.mode, type: req.type, dagName: req.name, newDagName: req.newName, newDagUri, valid: true, errors: [] as string[] };
  if (req.mode === 'preview') {
    return { text: TEXT.renamePreview, structured: withReferences({ ...common, dagUri: echo.dagUri, applied: false }), links: [linkFor(echo.dagUri, 'dag_spec')] };
  }
  await runtime.renameDag(req.name, req.newName);
  return { text: TEXT.renamed, structured: withReferences({ ...common, applied: true }), links: [linkFor(newDagUri, 'dag_spec')] };
}

async function remove(req: Extract<ChangeRequest, { type: 'delete_dag' }>, deps: ToolDeps): Promise<ToolOutput> {
  const { runtime } = deps;
  const echo = { mode: req.mode, type: req.type, dagName: req.name };
  const dag = await runtime.getDag(req.name);
  if (!dag || !canSee(dag.workspace)) throw new ToolFailure('resource_not_found', 'DAG not found.', echo);
  const common = { mode: req.mode, type: req.type, dagName: req.name, valid: true, errors: [] as string[] };
  if (req.mode === 'preview') return { text: TEXT.deletePreview, structured: withReferences({ ...common, applied: false }), links: [] };
  requireRight('write', dag.workspace, () => new ToolFailure('resource_not_found', 'DAG not found.', echo), echo);
  await runtime.deleteDag(req.name);
  return { text: TEXT.deleted, structured: withReferences({ ...common, applied: true }), links: [] };
}

/** `dagu_change`: previews (default) or applies DAG upserts, renames and deletions. */
export const changeTool: ToolHandler<ChangeRequest> = {
  name: 'dagu_change',
  parse: parseChangeInput,
  describe(req) {
    return {
      action: req.mode,
      resourceType: 'dag',
      resourceId: req.name,
      attrs: {
        mode: req.mode,
        type: req.type,
        dag_name: req.name,
        ...(req.type === 'upsert_dag' ? { spec_bytes: Buffer.byteLength(req.spec) } : {}),
        ...(req.type === 'rename_dag' ? { new_dag_name: req.newName } : {}),
      },
      mutating: req.mode === 'apply',
    };
  },
  execute(req, deps) {
    switch (req.type) {
      case 'upsert_dag':
        return upsert(req, deps);
      case 'rename_dag':
        return rename(req, deps);
      case 'delete_dag':
        return remove(req, deps);
    }
  },
};
