import type { H3 } from 'h3';
import { DEFAULT_WORKSPACE, TroupeError } from '../../core/index.ts';
import type { Runtime, StartOptions } from '../../actors/index.ts';
import { assertWorkspace, canSee } from '../access.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { badRequest } from '../api-error.ts';
import { jsonResponse } from '../error-response.ts';
import { field, readJsonBody } from '../read-json-body.ts';
import { dagName, intQuery, runId } from '../validate-params.ts';


/** Parses start/enqueue options from a body. */
function startOptions(body: Record<string, unknown>, enqueue: boolean): StartOptions {
  const options: StartOptions = {};
  const params = field.params(body, 'params');
  if (params !== undefined) options.params = params;
  const id = field.string(body, 'dagRunId');
  if (id !== undefined) options.dagRunId = runId(id);
  const singleton = field.boolean(body, 'singleton');
  if (singleton !== undefined) options.singleton = singleton;
  const labels = field.stringArray(body, 'labels');
  if (labels !== undefined) options.labels = labels;
  if (enqueue) {
    const queue = field.string(body, 'queue', { max: 100 });
    if (queue !== undefined) options.queue = queue;
  } else if (body.queue !== undefined) throw badRequest('queue is only accepted by enqueue');
  return options;
}

/** Matches `label=key` (any value) or `label=key=value` filters. */
function matchesLabels(labels: Record<string, string>, filters: string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    if (eq < 0) return Object.hasOwn(labels, f);
    return labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

/** DAG definition routes under `{base}/api/v1/dags`. */
export function registerDagRoutes(app: H3, prefix: string, deps: ApiDeps & { runtime: Runtime }): void {
  const { runtime, audit, config } = deps;
  const limit = config.maxBodyBytes;
  const route = (h: Parameters<typeof apiRoute>[1]) => apiRoute(deps, h);

  /** The stored DAG, or a 404 when missing or outside the caller's workspaces. */
  async function visibleDag(subject: Parameters<typeof assertWorkspace>[0], name: string, need: 'read' | 'execute' | 'write') {
    const def = await runtime.getDag(name);
    if (!def) throw new TroupeError('DAG_NOT_FOUND', `DAG ${name} not found`);
    assertWorkspace(subject, def.workspace, need, `DAG ${name} not found`);
    return def;
  }
  /** The workspace a YAML document would put a DAG in. */
  const workspaceOfYaml = (yaml: string, name: string) => runtime.validateDag(yaml, name).spec?.labels.workspace || DEFAULT_WORKSPACE;

  app.get(
    `${prefix}/dags`,
    route(async ({ url, subject }) => {
      const perPage = intQuery(url, 'perPage', 1, 1000) ?? 100;
      const page = intQuery(url, 'page', 1, 1_000_000) ?? 1;
      const name = url.searchParams.get('name')?.toLowerCase();
      const labels = url.searchParams.getAll('label').flatMap((l) => l.split(',')).filter(Boolean);
      const all = (await runtime.listDags()).filter(
        (d) => canSee(subject, d.workspace) && (!name || d.name.toLowerCase().includes(name)) && matchesLabels(d.labels, labels),
      );
      const totalPages = Math.max(1, Math.ceil(all.length / perPage));
      return {
        dags: all.slice((page - 1) * perPage, page * perPage),
        pagination: { totalRecords: all.length, currentPage: page, totalPages, perPage },
      };
    }),
  );

  app.post(
    `${prefix}/dags`,
    route(async ({ event, subject }) => {
      const body = await readJsonBody(event.req, limit);
      const name = dagName(field.string(body, 'name', { required: true })!);
      const spec = field.string(body, 'spec', { required: true })!;
      assertWorkspace(subject, workspaceOfYaml(spec, name), 'write', `DAG ${name} not found`);
      await audit.assertWritable();
      await runtime.createDag(name, spec);
      return jsonResponse(201, { name });
    }),
  );

  app.post(
    `${prefix}/dags/validate`,
    route(async ({ event }) => {
      const body = await readJsonBody(event.req, limit);
      const spec = field.string(body, 'spec', { required: true })!;
      const name = field.string(body, 'name');
      const report = runtime.validateDag(spec, name);
      return { valid: report.valid, errors: report.errors, problems: report.problems, warnings: report.warnings ?? [] };
    }),
  );

  app.get(
    `${prefix}/dags/:name/spec`,
    route(async ({ param, subject }) => {
      const def = await visibleDag(subject, dagName(param('name')), 'read');
      return { spec: def.yaml, errors: def.errors };
    }),
  );

  app.put(
    `${prefix}/dags/:name/spec`,
    route(async ({ param, subject, event }) => {
      const name = dagName(param('name'));
      const body = await readJsonBody(event.req, limit);
      const spec = field.string(body, 'spec', { required: true })!;
      await visibleDag(subject, name, 'write');
      // Moving a DAG into another workspace needs write access there too.
      assertWorkspace(subject, workspaceOfYaml(spec, name), 'write', `DAG ${name} not found`);
      await audit.assertWritable();
      const { report } = await runtime.putDag(name, spec);
      return { errors: report.errors };
    }),
  );

  app.post(
    `${prefix}/dags/:name/rename`,
    route(async ({ param, subject, event }) => {
      const name = dagName(param('name'));
      const body = await readJsonBody(event.req, limit);
      const newName = dagName(field.string(body, 'newName', { required: true })!, 'newName');
      await visibleDag(subject, name, 'write');
      await audit.assertWritable();
      await runtime.renameDag(name, newName);
      return { name: newName };
    }),
  );

  app.delete(
    `${prefix}/dags/:name`,
    route(async ({ param, subject }) => {
      const name = dagName(param('name'));
      await visibleDag(subject, name, 'write');
      await audit.assertWritable();
      await runtime.deleteDag(name);
      return jsonResponse(204, null);
    }),
  );

  for (const kind of ['start', 'enqueue'] as const) {
    app.post(
      `${prefix}/dags/:name/${kind}`,
      route(async ({ param, subject, event }) => {
        const name = dagName(param('name'));
        const body = await readJsonBody(event.req, limit);
        const options = startOptions(body, kind === 'enqueue');
        await visibleDag(subject, name, 'execute');
        await audit.assertWritable();
        const ref = kind === 'start' ? await runtime.start({ name }, options) : await runtime.enqueue({ name }, options);
        return { dagRunId: ref.dagRunId };
      }),
    );
  }
}
