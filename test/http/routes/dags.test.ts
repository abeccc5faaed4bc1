import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { QUICK_DAG, startTestServer } from '../../_support/http-server.ts';
import type { TestServer } from '../../_support/http-server.ts';

const s = suite<{ server: TestServer; admin: string; dev: string; scoped: string }>('routes/dags', {} as never);
s.before(async (ctx) => {
  ctx.server = await startTestServer({ mode: 'builtin' });
  ctx.admin = (await ctx.server.auth.createApiKey({ name: 'admin', role: 'admin', allowedSurfaces: ['rest_api'] })).key;
  ctx.dev = (await ctx.server.auth.createApiKey({ name: 'dev', role: 'developer', allowedSurfaces: ['rest_api'] })).key;
  ctx.scoped = (
    await ctx.server.auth.createApiKey({ name: 'team-a-dev', role: 'viewer', allowedSurfaces: ['rest_api'], workspaceAccess: { all: false, grants: [{ workspace: 'team-a', role: 'developer' }] } })
  ).key;
  ctx.server.writeDag('alpha', QUICK_DAG('workspace=team-a'));
  ctx.server.writeDag('beta', QUICK_DAG('env=prod'));
  ctx.server.writeDag('gamma', QUICK_DAG('env=dev'));
});
s.after(async ({ server }) => server.close());

s('list: pagination, name and label filters', async ({ server, admin }) => {
  const all = await (await server.call('GET', '/dags', { token: admin })).json();
  assert.equal(all.dags.map((d: { name: string }) => d.name), ['alpha', 'beta', 'gamma']);
  assert.is(all.pagination.totalRecords, 3);
  const page2 = await (await server.call('GET', '/dags?perPage=2&page=2', { token: admin })).json();
  assert.equal(page2.dags.map((d: { name: string }) => d.name), ['gamma']);
  assert.is(page2.pagination.totalPages, 2);
  const byName = await (await server.call('GET', '/dags?name=ETA', { token: admin })).json();
  assert.equal(byName.dags.map((d: { name: string }) => d.name), ['beta']);
  const byLabel = await (await server.call('GET', '/dags?label=env=dev', { token: admin })).json();
  assert.equal(byLabel.dags.map((d: { name: string }) => d.name), ['gamma']);
  const byKey = await (await server.call('GET', '/dags?label=env', { token: admin })).json();
  assert.equal(byKey.dags.map((d: { name: string }) => d.name), ['beta', 'gamma']);
});

s('list: every DAG carries nextRun, its schedule\'s next start or null (issue 15)', async ({ server, admin }) => {
  server.writeDag('zeta', 'schedule: ["CRON_TZ=Asia/Tokyo 0 9 * * *", "0 0 1 1 *"]\n' + QUICK_DAG());
  try {
    const all = await (await server.call('GET', '/dags', { token: admin })).json();
    const zeta = all.dags.find((d: { name: string }) => d.name === 'zeta');
    // 09:00 in Tokyo is 00:00 UTC, sooner than the yearly entry.
    assert.match(zeta.nextRun, /^\d{4}-\d\d-\d\dT00:00:00\.000Z$/);
    assert.ok(Date.parse(zeta.nextRun) - Date.now() <= 24 * 3600_000);
    assert.is(all.dags.find((d: { name: string }) => d.name === 'alpha').nextRun, null);
  } finally {
    rmSync(join(server.config.dagsDir, 'zeta.yaml'));
  }
});

s('workspaces: a scoped key lists only its workspace and gets 404 (not 403) outside it', async ({ server, scoped }) => {
  const list = await (await server.call('GET', '/dags', { token: scoped })).json();
  assert.equal(list.dags.map((d: { name: string }) => d.name), ['alpha']);
  assert.is((await server.call('GET', '/dags/alpha/spec', { token: scoped })).status, 200);
  const outside = await server.call('GET', '/dags/beta/spec', { token: scoped });
  assert.is(outside.status, 404);
  assert.equal(await outside.json(), { code: 'not_found', message: 'DAG beta not found' });
  assert.is((await server.call('POST', '/dags/beta/start', { token: scoped })).status, 404);
  // Creating into a workspace it cannot see is refused without revealing anything.
  const create = await server.call('POST', '/dags', { token: scoped, body: { name: 'sneaky', spec: QUICK_DAG('workspace=team-b') } });
  assert.is(create.status, 404);
  const mine = await server.call('POST', '/dags', { token: scoped, body: { name: 'mine', spec: QUICK_DAG('workspace=team-a') } });
  assert.is(mine.status, 201);
});

s('create, get spec, update, rename, delete', async ({ server, dev }) => {
  const created = await server.call('POST', '/dags', { token: dev, body: { name: 'crud', spec: QUICK_DAG() } });
  assert.is(created.status, 201);
  assert.equal(await created.json(), { name: 'crud' });
  assert.ok(existsSync(join(server.config.dagsDir, 'crud.yaml')));
  const dup = await server.call('POST', '/dags', { token: dev, body: { name: 'crud', spec: QUICK_DAG() } });
  assert.is(dup.status, 409);
  assert.is((await dup.json()).code, 'already_exists');
  const spec = await (await server.call('GET', '/dags/crud/spec', { token: dev })).json();
  assert.equal(spec, { spec: QUICK_DAG(), errors: [] });
  const next = 'steps:\n  - name: two\n    run: echo two\n';
  const put = await server.call('PUT', '/dags/crud/spec', { token: dev, body: { spec: next } });
  assert.is(put.status, 200);
  assert.is(readFileSync(join(server.config.dagsDir, 'crud.yaml'), 'utf8'), next);
  const renamed = await server.call('POST', '/dags/crud/rename', { token: dev, body: { newName: 'crud2' } });
  assert.equal([renamed.status, await renamed.json()], [200, { name: 'crud2' }]);
  assert.is((await server.call('GET', '/dags/crud/spec', { token: dev })).status, 404);
  const del = await server.call('DELETE', '/dags/crud2', { token: dev });
  assert.is(del.status, 204);
  assert.not.ok(existsSync(join(server.config.dagsDir, 'crud2.yaml')));
  assert.is((await server.call('DELETE', '/dags/crud2', { token: dev })).status, 404);
  await server.audit.flush();
  const actions = (await server.audit.query({ category: 'dag', resource_type: 'dag', limit: 50 })).entries.map((e) => e.action);
  for (const a of ['dag_create', 'dag_update', 'dag_rename', 'dag_delete']) assert.ok(actions.includes(a), a);
});

s('invalid specs: 400 with the problems; validate answers without writing', async ({ server, dev }) => {
  const bad = 'steps:\n  - name: a\n    retryPolicy: {limit: 1}\n';
  const res = await server.call('POST', '/dags', { token: dev, body: { name: 'broken', spec: bad } });
  assert.is(res.status, 400);
  const body = await res.json();
  assert.is(body.code, 'bad_request');
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0);
  assert.not.ok(existsSync(join(server.config.dagsDir, 'broken.yaml')));
  const v = await (await server.call('POST', '/dags/validate', { token: dev, body: { spec: bad, name: 'broken' } })).json();
  assert.is(v.valid, false);
  assert.ok(v.errors.length > 0);
  const ok = await (await server.call('POST', '/dags/validate', { token: dev, body: { spec: QUICK_DAG(), name: 'fine' } })).json();
  assert.equal([ok.valid, ok.errors], [true, []]);
  assert.not.ok(existsSync(join(server.config.dagsDir, 'fine.yaml')));
  const put = await server.call('PUT', '/dags/beta/spec', { token: dev, body: { spec: bad } });
  assert.is(put.status, 400);
  assert.is(readFileSync(join(server.config.dagsDir, 'beta.yaml'), 'utf8'), QUICK_DAG('env=prod'));
  assert.is((await server.call('PUT', '/dags/missing/spec', { token: dev, body: { spec: QUICK_DAG() } })).status, 404);
});

s('start and enqueue return a dagRunId; a chosen id that exists is a 409', async ({ server, dev }) => {
  const started = await server.call('POST', '/dags/beta/start', { token: dev, body: { dagRunId: 'run-one', params: { X: '1' } } });
  assert.equal([started.status, await started.json()], [200, { dagRunId: 'run-one' }]);
  const again = await server.call('POST', '/dags/beta/start', { token: dev, body: { dagRunId: 'run-one' } });
  assert.is(again.status, 409);
  const queued = await server.call('POST', '/dags/gamma/enqueue', { token: dev, body: { queue: 'gamma' } });
  assert.is(queued.status, 200);
  assert.match((await queued.json()).dagRunId, /^[-\w]+$/);
  assert.is((await server.call('POST', '/dags/nope/start', { token: dev })).status, 404);
  const badQueue = await server.call('POST', '/dags/beta/start', { token: dev, body: { queue: 'x' } });
  assert.is(badQueue.status, 400);
});

s('state changes are refused with 503 while the audit trail cannot write', async ({ server, dev }) => {
  server.breakAudit(true);
  try {
    const res = await server.call('POST', '/dags', { token: dev, body: { name: 'blocked', spec: QUICK_DAG() } });
    assert.is(res.status, 503);
    assert.is((await res.json()).code, 'audit_unavailable');
    assert.not.ok(existsSync(join(server.config.dagsDir, 'blocked.yaml')));
    assert.is((await server.call('POST', '/dags/beta/start', { token: dev })).status, 503);
    // Reads keep working.
    assert.is((await server.call('GET', '/dags', { token: dev })).status, 200);
  } finally {
    server.breakAudit(false);
  }
});

s.run();
