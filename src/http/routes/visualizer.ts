import type { H3 } from 'h3';
import type { Runtime } from '../../actors/index.ts';
import { TroupeError } from '../../core/index.ts';
import { HANDLER_STEP_NAMES } from '../../machines/index.ts';
import { createActorBoard } from '../../visualizer/actor-board.ts';
import type { ActorBoard } from '../../visualizer/actor-board.ts';
import { finalStatesOf, machineCatalog } from '../../visualizer/machine-catalog.ts';
import { loadReplay } from '../../visualizer/replay-source.ts';
import { assertWorkspace, visibleWorkspaces } from '../access.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps, RouteScope } from '../api-route.ts';
import { badRequest } from '../api-error.ts';

const KINDS = new Set(['run', 'step', 'session']);
/** Run graphs kept (oldest dropped first). */
const GRAPH_CACHE = 256;

function textQuery(scope: RouteScope, name: string, max = 200): string | undefined {
  const v = scope.url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (v.length > max) throw badRequest(`${name} is too long`);
  return v;
}

/**
 * The visualizer's read API under `{base}/api/v1`:
 * - `GET /machines`: every machine definition, derived from the machine objects.
 * - `GET /actors?kind=&dag=&state=`: live actors with counts per kind; `GET /actors/{id}`: one actor and its event log.
 * Live changes reach the page through the live streams' `actors` topic (`GET /streams/actors`).
 * - `GET /dag-runs/{name}/{id}/graph` (steps and `depends`) and `/replay` (its transitions).
 * Workspaces filter everything exactly as the REST run routes do.
 */
export function registerVisualizerRoutes(app: H3, prefix: string, deps: ApiDeps & { runtime: Runtime }): ActorBoard {
  const { runtime } = deps;
  const catalog = machineCatalog();
  const machinesBody = { machines: catalog };
  const board = createActorBoard({ runtime, finalStates: finalStatesOf(catalog) });
  const route = (h: Parameters<typeof apiRoute>[1]) => apiRoute(deps, h);

  app.get(`${prefix}/machines`, route(() => machinesBody));

  app.get(
    `${prefix}/actors`,
    route((scope) => {
      const kind = textQuery(scope, 'kind', 20);
      if (kind !== undefined && !KINDS.has(kind)) throw badRequest('kind must be run, step or session');
      const dag = textQuery(scope, 'dag');
      const state = textQuery(scope, 'state');
      return board.list({ workspaces: visibleWorkspaces(scope.subject), ...(kind ? { kind } : {}), ...(dag ? { dag } : {}), ...(state ? { state } : {}) });
    }),
  );

  app.get(
    `${prefix}/actors/:id`,
    route((scope) => {
      const id = scope.param('id');
      if (id.length > 600) throw badRequest('id is too long');
      const found = board.get(id);
      if (!found || !board.visible(found.actor, visibleWorkspaces(scope.subject))) throw new TroupeError('NOT_FOUND', `actor ${id} not found`);
      return found;
    }),
  );

  async function visibleRun(scope: RouteScope) {
    const name = scope.param('name');
    const id = scope.param('dagRunId');
    const run = await runtime.getRun(name, id);
    const notFound = `dag-run ${name}:${id} not found`;
    if (!run) throw new TroupeError('RUN_NOT_FOUND', notFound);
    assertWorkspace(scope.subject, run.workspace, 'read', notFound);
    return run;
  }

  // A run's steps never change; reading its DAG costs a YAML parse (hundreds of ms for 200 steps).
  const graphs = new Map<string, { name: string; depends: string[]; handler: boolean }[]>();
  app.get(
    `${prefix}/dag-runs/:name/:dagRunId/graph`,
    route(async (scope) => {
      const run = await visibleRun(scope);
      const key = `${run.name}/${run.dagRunId}/${run.attempt}`;
      const cached = graphs.get(key);
      if (cached) return { name: run.name, dagRunId: run.dagRunId, nodes: cached };
      // The DAG's current definition gives `depends`; steps of the run it no longer has keep no edges.
      const def = await runtime.getDag(run.name).catch(() => undefined);
      const specs = new Map((def?.spec?.steps ?? []).map((s) => [s.name, s]));
      const handlers = new Set(Object.values(HANDLER_STEP_NAMES));
      const nodes = run.steps.map((s) => ({ name: s.name, depends: (specs.get(s.name)?.depends ?? []).filter((d) => run.steps.some((x) => x.name === d)), handler: !specs.has(s.name) && handlers.has(s.name) }));
      graphs.set(key, nodes);
      if (graphs.size > GRAPH_CACHE) graphs.delete(graphs.keys().next().value!);
      return { name: run.name, dagRunId: run.dagRunId, nodes };
    }),
  );

  app.get(
    `${prefix}/dag-runs/:name/:dagRunId/replay`,
    route(async (scope) => {
      const run = await visibleRun(scope);
      return { run, ...(await loadReplay(runtime, run, board)) };
    }),
  );

  return board;
}
