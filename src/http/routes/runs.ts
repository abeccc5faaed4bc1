import type { H3 } from 'h3';
import { TroupeError } from '../../core/index.ts';
import { RUN_STATUSES, isRunStatus } from '../../dag/status.ts';
import type { RunStatus } from '../../dag/status.ts';
import type { RetryOptions, RunDetails, RunListFilter, Runtime } from '../../actors/index.ts';
import { assertWorkspace, visibleWorkspaces } from '../access.ts';
import type { Need } from '../access.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps, RouteScope } from '../api-route.ts';
import { badRequest } from '../api-error.ts';
import { jsonResponse } from '../error-response.ts';
import { field, readJsonBody } from '../read-json-body.ts';
import { dagName, intQuery, runId, timeQuery } from '../validate-params.ts';

/** `status=failed`, `status=2`, `status=failed,aborted` or repeated. */
function statusQuery(url: URL): RunStatus[] | undefined {
  const values = url.searchParams.getAll('status').flatMap((s) => s.split(',')).filter(Boolean);
  if (values.length === 0) return undefined;
  return values.map((v) => {
    const status = /^\d+$/.test(v) ? RUN_STATUSES[Number(v)] : v;
    if (!isRunStatus(status)) throw badRequest(`status must be one of ${RUN_STATUSES.join(', ')} (or their numeric codes)`);
    return status;
  });
}

/** DAG-run routes under `{base}/api/v1/dag-runs`. */
export function registerRunRoutes(app: H3, prefix: string, deps: ApiDeps & { runtime: Runtime }): void {
  const { runtime, audit, config } = deps;
  const route = (h: Parameters<typeof apiRoute>[1]) => apiRoute(deps, h);
  const base = `${prefix}/dag-runs/:name/:dagRunId`;

  /** The run named by the path, or a 404 when missing or outside the caller's workspaces. */
  async function visibleRun(scope: RouteScope, need: Need, allowLatest = false): Promise<RunDetails> {
    const name = dagName(scope.param('name'));
    const id = runId(scope.param('dagRunId'), allowLatest);
    const run = await runtime.getRun(name, id);
    const notFound = `dag-run ${name}:${id} not found`;
    if (!run) throw new TroupeError('RUN_NOT_FOUND', notFound);
    assertWorkspace(scope.subject, run.workspace, need, notFound);
    return run;
  }

  app.get(
    `${prefix}/dag-runs`,
    route(async ({ url, subject }) => {
      const filter: RunListFilter = {};
      const name = url.searchParams.get('name');
      if (name) filter.name = dagName(name);
      const status = statusQuery(url);
      if (status) filter.status = status;
      const from = timeQuery(url, 'fromDate');
      if (from !== undefined) filter.from = from;
      const to = timeQuery(url, 'toDate');
      if (to !== undefined) filter.to = to;
      if (from !== undefined && to !== undefined && from > to) throw badRequest('fromDate must not be after toDate');
      const limit = intQuery(url, 'limit', 1, 500);
      if (limit !== undefined) filter.limit = limit;
      const cursor = url.searchParams.get('cursor');
      if (cursor) {
        if (cursor.length > 512) throw badRequest('cursor is too long');
        filter.cursor = cursor;
      }
      const workspaces = visibleWorkspaces(subject);
      if (workspaces) filter.workspaces = workspaces;
      const list = await runtime.listRuns(filter);
      return list.nextCursor === undefined ? { dagRuns: list.items } : { dagRuns: list.items, nextCursor: list.nextCursor };
    }),
  );

  app.get(
    base,
    route((scope) => visibleRun(scope, 'read', true)),
  );

  // The run's composition tree one level down (Dagu's sub-dag-runs): the child runs its
  // sub-DAG steps started, each linked back by parentDAGRunId / rootDAGRunId.
  app.get(
    `${base}/sub-dag-runs`,
    route(async (scope) => {
      const run = await visibleRun(scope, 'read', true);
      const refs = run.steps.flatMap((st) => (st.subRuns ?? []).map((r) => ({ ...r, step: st.name })));
      const subDAGRuns = [];
      for (const r of refs) {
        const d = await runtime.getRun(r.name, r.dagRunId);
        if (d) subDAGRuns.push({ ...d, parentStepName: r.step });
      }
      return { subDAGRuns };
    }),
  );

  app.get(
    `${base}/sub-dag-runs/:subDAGRunId`,
    route(async (scope) => {
      const run = await visibleRun(scope, 'read', true);
      const id = runId(scope.param('subDAGRunId'), false);
      const ref = run.steps.flatMap((st) => st.subRuns ?? []).find((r) => r.dagRunId === id);
      const d = ref ? await runtime.getRun(ref.name, ref.dagRunId) : undefined;
      if (!d) throw new TroupeError('RUN_NOT_FOUND', `sub-DAG run ${id} of ${run.name}:${run.dagRunId} not found`);
      return d;
    }),
  );

  app.post(
    `${base}/stop`,
    route(async (scope) => {
      const run = await visibleRun(scope, 'execute');
      await audit.assertWritable();
      await runtime.stop(run.name, run.dagRunId);
      return jsonResponse(204, null);
    }),
  );

  app.post(
    `${base}/dequeue`,
    route(async (scope) => {
      const run = await visibleRun(scope, 'execute');
      await audit.assertWritable();
      await runtime.dequeue(run.name, run.dagRunId);
      return jsonResponse(204, null);
    }),
  );

  app.post(
    `${base}/retry`,
    route(async (scope) => {
      const body = await readJsonBody(scope.event.req, config.maxBodyBytes);
      const options: RetryOptions = {};
      const stepName = field.string(body, 'stepName', { max: 200 });
      if (stepName !== undefined) options.stepName = stepName;
      const downstream = field.boolean(body, 'includeDownstream');
      if (downstream !== undefined) options.includeDownstream = downstream;
      const bodyId = field.string(body, 'dagRunId');
      const run = await visibleRun(scope, 'execute');
      if (bodyId !== undefined && bodyId !== run.dagRunId) throw badRequest('dagRunId in the body must match the path');
      await audit.assertWritable();
      const ref = await runtime.retry(run.name, run.dagRunId, options);
      return { dagRunId: ref.dagRunId, attempt: ref.attempt };
    }),
  );

  app.get(
    `${base}/log`,
    route(async (scope) => {
      const tail = intQuery(scope.url, 'tail', 1, 100_000);
      const run = await visibleRun(scope, 'read', true);
      return runtime.runLogs(run.name, run.dagRunId, tail);
    }),
  );

  app.get(
    `${base}/steps/:stepName/log`,
    route(async (scope) => {
      const stepName = scope.param('stepName');
      if (stepName.length > 200) throw badRequest('stepName is too long');
      const stream = scope.url.searchParams.get('stream') ?? 'stdout';
      if (stream !== 'stdout' && stream !== 'stderr') throw badRequest('stream must be stdout or stderr');
      const tail = intQuery(scope.url, 'tail', 1, 100_000);
      const run = await visibleRun(scope, 'read', true);
      return runtime.stepLog(run.name, run.dagRunId, stepName, stream, tail);
    }),
  );
}
