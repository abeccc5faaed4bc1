import { runStatusFromCode } from '../../dag/status.ts';
import type { RunStatus } from '../../dag/status.ts';
import type { RunDetails, RunListFilter } from '../../actors/types.ts';
import { canSee, visibleWorkspaces } from '../access.ts';
import { REFERENCE_TOPICS, findTopic } from '../reference/index.ts';
import { ToolFailure } from '../tool-failure.ts';
import { dagSpecUri, referenceUri, runUri } from '../uris.ts';
import { parseReadInput } from './parse-read.ts';
import type { ReadRequest } from './parse-read.ts';
import { queryKeys } from './read-query.ts';
import { linkFor, withReferences } from './result.ts';
import type { ToolOutput } from './result.ts';
import type { ToolDeps, ToolHandler } from './run.ts';

/** Run-log tails are clamped like Dagu's (100..10000, default 500). */
const clampTail = (v: string | undefined): number => (v === undefined ? 500 : Math.min(10_000, Math.max(100, Number(v))));
/** Step logs return the last 1000 lines of each stream. */
const STEP_LOG_LINES = 1000;

const notFound = (req: ReadRequest, what: string): ToolFailure =>
  new ToolFailure('resource_not_found', `${what} not found.`, { target: req.target, uri: req.target === 'dag' ? undefined : req.uri });

/** The run, if it exists and the caller may see its workspace. */
async function visibleRun(req: ReadRequest, deps: ToolDeps): Promise<RunDetails> {
  const run = await deps.runtime.getRun(req.name!, req.dagRunId!);
  if (!run || !canSee(run.workspace)) throw notFound(req, 'DAG-run');
  return run;
}

/** The compact run model `dagu_read` returns (Dagu's minimal fields plus Troupe's extras). */
export function runModel(run: RunDetails): Record<string, unknown> {
  const model: Record<string, unknown> = { uri: runUri(run.name, run.dagRunId), ...run };
  // The composition tree: links up (parent, root) and down (each sub-DAG step's child runs).
  if (run.parentDAGRunName !== undefined && run.parentDAGRunId !== undefined) model.parentUri = runUri(run.parentDAGRunName, run.parentDAGRunId);
  if (run.rootDAGRunName !== undefined && run.rootDAGRunId !== undefined) model.rootUri = runUri(run.rootDAGRunName, run.rootDAGRunId);
  if (run.steps.some((st) => st.subRuns)) model.steps = run.steps.map((st) => (st.subRuns ? { ...st, subRuns: st.subRuns.map((r) => ({ ...r, uri: runUri(r.name, r.dagRunId) })) } : st));
  return model;
}

/** Reads the data of a parsed request (shared by `dagu_read` and `resources/read`). */
export async function readData(req: ReadRequest, deps: ToolDeps): Promise<unknown> {
  const { runtime } = deps;
  switch (req.target) {
    case 'references':
      return { items: REFERENCE_TOPICS.map((t) => ({ name: t.topic, uri: referenceUri(t.topic), mimeType: 'text/markdown' })) };
    case 'reference': {
      const topic = findTopic(req.name!);
      if (!topic) throw notFound(req, 'Reference topic');
      return { text: topic.text, mimeType: 'text/markdown' };
    }
    case 'dags':
      return listDags(req, deps);
    case 'dag':
    case 'dag_spec': {
      const dag = await runtime.getDag(req.name!);
      if (!dag || !canSee(dag.workspace)) throw notFound(req, 'DAG');
      if (req.target === 'dag_spec') return { name: dag.name, mimeType: 'application/yaml', spec: dag.yaml, errors: dag.errors };
      return { name: dag.name, specUri: dagSpecUri(dag.name), description: dag.description, labels: dag.labels, workspace: dag.workspace, errors: dag.errors };
    }
    case 'runs':
      return listRuns(req, deps);
    case 'run':
      return runModel(await visibleRun(req, deps));
    case 'run_logs': {
      const run = await visibleRun(req, deps);
      return runtime.runLogs(run.name, run.dagRunId, clampTail(req.params.get('tail')?.[0]));
    }
    case 'step_log': {
      const run = await visibleRun(req, deps);
      if (!run.steps.some((s) => s.name === req.stepName)) throw notFound(req, 'Step');
      const [out, err] = await Promise.all([
        runtime.stepLog(run.name, run.dagRunId, req.stepName!, 'stdout', STEP_LOG_LINES),
        runtime.stepLog(run.name, run.dagRunId, req.stepName!, 'stderr', STEP_LOG_LINES),
      ]);
      return {
        stdoutContent: out.content,
        stderrContent: err.content,
        lineCount: out.lineCount + err.lineCount,
        totalLines: out.totalLines + err.totalLines,
        hasMore: out.hasMore || err.hasMore,
      };
    }
  }
}

async function listDags(req: ReadRequest, deps: ToolDeps) {
  const p = req.params;
  const labels = p.get('labels')?.[0]?.split(',').map((l) => l.trim());
  const name = p.get('name')?.[0]?.toLowerCase();
  let dags = (await deps.runtime.listDags()).filter((d) => canSee(d.workspace));
  if (name) dags = dags.filter((d) => d.name.toLowerCase().includes(name));
  if (labels) dags = dags.filter((d) => labels.every((l) => hasLabel(d.labels, l)));
  // sort=nextRun: soonest scheduled start first, DAGs without one after them (by name).
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  if (p.get('sort')?.[0] === 'nextRun') dags.sort((a, b) => (a.nextRun && b.nextRun ? a.nextRun.localeCompare(b.nextRun) : a.nextRun ? -1 : b.nextRun ? 1 : 0) || byName(a, b));
  else dags.sort(byName);
  if (p.get('order')?.[0] === 'desc') dags.reverse();
  const page = Number(p.get('page')?.[0] ?? 1);
  const perPage = Number(p.get('perPage')?.[0] ?? 100);
  const slice = dags.slice((page - 1) * perPage, page * perPage);
  return {
    items: slice.map((d) => ({ name: d.name, uri: dagSpecUri(d.name), description: d.description, workspace: d.workspace, labels: d.labels, errors: d.errors, nextRun: d.nextRun ?? null })),
    page,
    perPage,
    total: dags.length,
  };
}

function hasLabel(labels: Record<string, string>, wanted: string): boolean {
  const eq = wanted.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, wanted);
  return labels[wanted.slice(0, eq)] === wanted.slice(eq + 1);
}

async function listRuns(req: ReadRequest, deps: ToolDeps) {
  const p = req.params;
  const filter: RunListFilter = {};
  const name = p.get('name')?.[0];
  if (name) filter.name = name;
  const statuses = p.get('status')?.map((s) => runStatusFromCode(Number(s))).filter((s): s is RunStatus => s !== undefined);
  if (statuses?.length) filter.status = statuses;
  const from = p.get('fromDate')?.[0];
  if (from) filter.from = Number(from) * 1000;
  const to = p.get('toDate')?.[0];
  if (to) filter.to = Number(to) * 1000;
  filter.limit = Number(p.get('limit')?.[0] ?? 100);
  const cursor = p.get('cursor')?.[0];
  if (cursor) filter.cursor = cursor;
  const ws = visibleWorkspaces();
  if (ws) filter.workspaces = ws;
  const list = await deps.runtime.listRuns(filter);
  let items = list.items.filter((r) => canSee(r.workspace));
  const runId = p.get('dagRunId')?.[0];
  if (runId && runId !== 'latest') items = items.filter((r) => r.dagRunId === runId);
  if (runId === 'latest') {
    const seen = new Set<string>();
    items = items.filter((r) => !seen.has(r.name) && (seen.add(r.name), true));
  }
  const labels = p.get('labels')?.[0]?.split(',').map((l) => l.trim());
  if (labels) {
    const dagLabels = new Map((await deps.runtime.listDags()).map((d) => [d.name, d.labels]));
    items = items.filter((r) => labels.every((l) => hasLabel(dagLabels.get(r.name) ?? { workspace: r.workspace }, l)));
  }
  return {
    items: items.map((r) => ({ name: r.name, dagRunId: r.dagRunId, uri: runUri(r.name, r.dagRunId), status: r.status, statusLabel: r.statusLabel, workspace: r.workspace, startedAt: r.startedAt, finishedAt: r.finishedAt })),
    ...(list.nextCursor ? { nextCursor: list.nextCursor } : {}),
  };
}

/** `dagu_read`: reads state and reference resources; never changes anything. */
export const readTool: ToolHandler<ReadRequest> = {
  name: 'dagu_read',
  parse: parseReadInput,
  describe(req) {
    const id = req.name ? (req.dagRunId ? `${req.name}/${req.dagRunId}${req.stepName ? `/${req.stepName}` : ''}` : req.name) : (req.uri ?? req.target);
    return {
      action: 'read',
      resourceType: req.target,
      resourceId: id.slice(0, 256),
      attrs: {
        target: req.target,
        ...(req.name && req.target !== 'reference' ? { dag_name: req.name } : {}),
        ...(req.dagRunId ? { dag_run_id: req.dagRunId } : {}),
        ...(req.stepName ? { step_name: req.stepName } : {}),
        query_keys: queryKeys(req.query),
      },
      mutating: false,
    };
  },
  async execute(req, deps): Promise<ToolOutput> {
    const data = await readData(req, deps);
    const structured = withReferences({ target: req.target, data, ...(req.uri ? { uri: req.uri } : {}) });
    // A read's target names the kind of its URI (`dag` has none: it is read as a name).
    return { text: 'Dagu read completed.', structured, links: req.uri && req.target !== 'dag' ? [linkFor(req.uri, req.target)] : [] };
  },
};

