import { TroupeError, dagNameProblem } from '../core/index.ts';
import { loadDag, validateDag, workspaceOf } from '../dag/index.ts';
import type { DagSpec } from '../dag/types.ts';
import type { DagStore } from './ports.ts';
import type { DagDefinition, DagRef, DagSummary, DomainAction, ValidationReport } from './types.ts';

interface DagServiceDeps {
  store: DagStore;
  /** Refuses state changes (shutdown, audit unavailable). */
  gate: () => Promise<void>;
  emit: (action: DomainAction, name: string, workspace: string, details: Record<string, unknown>) => void;
  /** Resolves once the emitted facts are durable; rejecting refuses the change (it is undone). */
  durable: () => Promise<void>;
  /** The next scheduled start of a DAG (ISO time), or null. @defaultValue none is listed */
  nextRun?: (spec: DagSpec) => string | null;
  /** Where an undo that failed is reported (the change was refused; its file may remain). */
  onUndoFailed?: (error: unknown) => void;
}

function checkName(name: string, field = 'name'): void {
  const problem = typeof name === 'string' ? dagNameProblem(name) : 'DAG name must be a string';
  if (problem) throw new TroupeError('INVALID_INPUT', problem, { details: { field } });
}

/**
 * DAG definitions: the validator every surface shares, and the stored YAML files with their
 * domain events. A stored DAG is named after its file; a `name:` inside the YAML that differs
 * is ignored for stored DAGs, as in Dagu.
 */
export function createDagService(deps: DagServiceDeps) {
  /** Answers only once the change's fact is durable; otherwise undoes the change and refuses it. */
  async function acknowledged(undo: () => Promise<unknown>): Promise<void> {
    try {
      await deps.durable();
    } catch (cause) {
      // The refusal is what the caller must see; a failed undo is reported, not thrown over it.
      await undo().catch((error: unknown) => deps.onUndoFailed?.(error));
      throw cause;
    }
  }

  function validate(yaml: string, name?: string): ValidationReport {
    if (typeof yaml !== 'string') throw new TroupeError('INVALID_INPUT', 'spec must be a string', { details: { field: 'spec' } });
    return validateDag(yaml, name);
  }

  // Runs of one DAG share its YAML; parsing it once per distinct text keeps enqueueing and
  // restoring thousands of runs cheap. Specs are never mutated, so sharing them is safe.
  const loaded = new Map<string, DagSpec>();

  /** Loads YAML that must be valid; throws `INVALID_SPEC` listing every problem. */
  function load(yaml: string, name?: string, document?: string): { spec: DagSpec } {
    const cacheKey = `${name ?? ''}\u0000${document ?? ''}\u0000${yaml}`;
    const hit = loaded.get(cacheKey);
    if (hit) return { spec: hit };
    if (document !== undefined) {
      // A local child document (§1.2): the whole file is validated, the document is the DAG.
      const result = loadDag(yaml, { defaultName: 'entrypoint', document });
      if (!result.spec) throw new TroupeError('INVALID_SPEC', result.problems.map((p) => p.message).join('; ') || 'invalid DAG spec', { details: { errors: result.problems.map((p) => p.message) } });
      if (loaded.size >= 256) loaded.delete(loaded.keys().next().value!);
      loaded.set(cacheKey, result.spec);
      return { spec: result.spec };
    }
    const report = validate(yaml, name);
    if (!report.valid || !report.spec) {
      throw new TroupeError('INVALID_SPEC', report.errors.join('; ') || 'invalid DAG spec', { details: { errors: report.errors } });
    }
    if (loaded.size >= 256) loaded.delete(loaded.keys().next().value!);
    loaded.set(cacheKey, report.spec);
    return { spec: report.spec };
  }

  async function get(name: string): Promise<DagDefinition | undefined> {
    checkName(name);
    const yaml = await deps.store.read(name);
    if (yaml === undefined) return undefined;
    const report = validate(yaml, name);
    const labels = report.spec?.labels ?? loadDag(yaml, { defaultName: name }).spec?.labels ?? {};
    const def: DagDefinition = {
      name,
      labels,
      workspace: workspaceOf(labels),
      errors: report.errors,
      yaml,
      problems: report.problems,
    };
    if (report.spec?.description !== undefined) def.description = report.spec.description;
    if (report.spec) def.spec = report.spec;
    return def;
  }

  async function list(): Promise<DagSummary[]> {
    const names = await deps.store.list();
    const out: DagSummary[] = [];
    for (const name of names) {
      const def = await get(name);
      if (!def) continue;
      const summary: DagSummary = { name, labels: def.labels, workspace: def.workspace, errors: def.errors };
      if (def.description !== undefined) summary.description = def.description;
      if (deps.nextRun) summary.nextRun = def.spec ? deps.nextRun(def.spec) : null;
      out.push(summary);
    }
    return out;
  }

  async function put(name: string, yaml: string): Promise<{ created: boolean; report: ValidationReport }> {
    checkName(name);
    const report = validate(yaml, name);
    if (!report.valid) throw new TroupeError('INVALID_SPEC', report.errors.join('; '), { details: { errors: report.errors } });
    await deps.gate();
    const before = await deps.store.read(name);
    const { created } = await deps.store.write(name, yaml);
    deps.emit(created ? 'dag_create' : 'dag_update', name, workspaceOf(report.spec?.labels ?? {}), { dag_name: name, spec_bytes: Buffer.byteLength(yaml) });
    await acknowledged(() => (before === undefined ? deps.store.remove(name) : deps.store.write(name, before)));
    return { created, report };
  }

  async function create(name: string, yaml: string): Promise<ValidationReport> {
    checkName(name);
    const report = validate(yaml, name);
    if (!report.valid) throw new TroupeError('INVALID_SPEC', report.errors.join('; '), { details: { errors: report.errors } });
    await deps.gate();
    await deps.store.write(name, yaml, { mustNotExist: true });
    deps.emit('dag_create', name, workspaceOf(report.spec?.labels ?? {}), { dag_name: name, spec_bytes: Buffer.byteLength(yaml) });
    await acknowledged(() => deps.store.remove(name));
    return report;
  }

  async function rename(name: string, newName: string): Promise<void> {
    checkName(name);
    checkName(newName, 'newName');
    if (name === newName) throw new TroupeError('INVALID_INPUT', 'newName must differ from name', { details: { field: 'newName' } });
    const def = await get(name);
    if (!def) throw new TroupeError('DAG_NOT_FOUND', `DAG ${name} not found`);
    await deps.gate();
    await deps.store.rename(name, newName);
    deps.emit('dag_rename', name, def.workspace, { old_name: name, new_name: newName });
    await acknowledged(() => deps.store.rename(newName, name));
  }

  async function remove(name: string): Promise<void> {
    checkName(name);
    const def = await get(name);
    if (!def) throw new TroupeError('DAG_NOT_FOUND', `DAG ${name} not found`);
    await deps.gate();
    await deps.store.remove(name);
    deps.emit('dag_delete', name, def.workspace, { dag_name: name });
    await acknowledged(() => deps.store.write(name, def.yaml));
  }

  /** The spec and YAML a run executes: a stored DAG by name, or an inline spec. */
  async function resolve(ref: DagRef): Promise<{ spec: DagSpec; yaml: string }> {
    if ('spec' in ref) {
      if (typeof ref.spec !== 'string' || ref.spec.trim() === '') throw new TroupeError('INVALID_INPUT', 'spec is required for inline_spec target', { details: { field: 'spec' } });
      if (ref.name !== undefined) checkName(ref.name);
      const parsed = loadDag(ref.spec, { defaultName: ref.name ?? 'inline' });
      const name = ref.name ?? parsed.spec?.name ?? 'inline';
      return { spec: load(ref.spec, name).spec, yaml: ref.spec };
    }
    checkName(ref.name);
    const yaml = await deps.store.read(ref.name);
    if (yaml === undefined) throw new TroupeError('DAG_NOT_FOUND', `DAG ${ref.name} not found`);
    return { spec: load(yaml, ref.name).spec, yaml };
  }

  return { validate, load, get, list, put, create, rename, remove, resolve };
}
