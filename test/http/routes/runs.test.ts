import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QUICK_DAG, SLOW_DAG, startTestServer } from '../../_support/http-server.ts';
import type { TestServer } from '../../_support/http-server.ts';

const s = suite<{ server: TestServer; op: string; viewer: string }>('routes/runs', {} as never);
s.before(async (ctx) => {
  ctx.server = await startTestServer({ mode: 'builtin' });
  ctx.op = (await ctx.server.auth.createApiKey({ name: 'op', role: 'operator', allowedSurfaces: ['rest_api'] })).key;
  ctx.viewer = (await ctx.server.auth.createApiKey({ name: 'viewer', role: 'viewer', allowedSurfaces: ['rest_api'] })).key;
  ctx.server.writeDag('quick', 'steps:\n  - name: out\n    run: echo to-stdout; echo to-stderr 1>&2\n  - name: second\n    depends: [out]\n    run: echo second\n');
  ctx.server.writeDag('slow', SLOW_DAG);
  ctx.server.writeDag('other', QUICK_DAG('workspace=team-b'));
});
s.after(async ({ server }) => server.close());

async function waitTerminal(server: TestServer, token: string, name: string, id: string) {
  for (let i = 0; i < 100; i++) {
    const d = await (await server.call('GET', `/dag-runs/${name}/${id}`, { token })).json();
    if (['succeeded', 'failed', 'aborted', 'partially_succeeded'].includes(d.statusLabel)) return d;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('run did not finish');
}

s('details (also via latest), logs and step logs of a finished run', async ({ server, op }) => {
  const { dagRunId } = await (await server.call('POST', '/dags/quick/start', { token: op, body: { dagRunId: 'q1' } })).json();
  const details = await waitTerminal(server, op, 'quick', dagRunId);
  assert.is(details.statusLabel, 'succeeded');
  assert.is(details.status, 4);
  assert.equal(details.steps.map((x: { name: string }) => x.name), ['out', 'second']);
  const latest = await (await server.call('GET', '/dag-runs/quick/latest', { token: op })).json();
  assert.is(latest.dagRunId, 'q1');
  const logs = await (await server.call('GET', '/dag-runs/quick/q1/log?tail=50', { token: op })).json();
  assert.ok('schedulerLog' in logs);
  assert.equal(logs.stepLogs.map((x: { stepName: string }) => x.stepName), ['out', 'second']);
  const stdout = await (await server.call('GET', '/dag-runs/quick/q1/steps/out/log', { token: op })).json();
  assert.match(stdout.content, 'to-stdout');
  assert.not.match(stdout.content, 'to-stderr');
  const stderr = await (await server.call('GET', '/dag-runs/quick/q1/steps/out/log?stream=stderr&tail=1', { token: op })).json();
  assert.match(stderr.content, 'to-stderr');
  assert.is((await server.call('GET', '/dag-runs/quick/q1/steps/nope/log', { token: op })).status, 404);
  assert.is((await server.call('GET', '/dag-runs/quick/q1/steps/out/log?stream=both', { token: op })).status, 400);
  assert.is((await server.call('GET', '/dag-runs/quick/q1/log?tail=zero', { token: op })).status, 400);
  assert.is((await server.call('GET', '/dag-runs/quick/missing', { token: op })).status, 404);
});

s('retry makes a new attempt; stop on a finished run is 400 not_running', async ({ server, op, viewer }) => {
  await server.call('POST', '/dags/quick/start', { token: op, body: { dagRunId: 'q2' } });
  await waitTerminal(server, op, 'quick', 'q2');
  assert.is((await server.call('POST', '/dag-runs/quick/q2/retry', { token: viewer })).status, 403);
  const mismatch = await server.call('POST', '/dag-runs/quick/q2/retry', { token: op, body: { dagRunId: 'other' } });
  assert.is(mismatch.status, 400);
  const retry = await server.call('POST', '/dag-runs/quick/q2/retry', { token: op, body: { stepName: 'second' } });
  assert.is(retry.status, 200);
  assert.equal(await retry.json(), { dagRunId: 'q2', attempt: 2 });
  const d = await waitTerminal(server, op, 'quick', 'q2');
  assert.is(d.attempt, 2);
  const stop = await server.call('POST', '/dag-runs/quick/q2/stop', { token: op });
  assert.is(stop.status, 400);
  assert.is((await stop.json()).code, 'not_running');
  assert.is((await server.call('POST', '/dag-runs/quick/q2/dequeue', { token: op })).status, 400);
});

s('stop a running run, dequeue a queued one, retry of an active run is 409', async ({ server, op }) => {
  const { dagRunId } = await (await server.call('POST', '/dags/slow/start', { token: op })).json();
  for (let i = 0; i < 50; i++) {
    const d = await (await server.call('GET', `/dag-runs/slow/${dagRunId}`, { token: op })).json();
    if (d.statusLabel === 'running') break;
    await new Promise((r) => setTimeout(r, 40));
  }
  // The DAG's own queue has concurrency 1, so this one waits.
  const queued = await (await server.call('POST', '/dags/slow/enqueue', { token: op })).json();
  const active = await server.call('POST', `/dag-runs/slow/${dagRunId}/retry`, { token: op });
  assert.is(active.status, 409);
  const dq = await server.call('POST', `/dag-runs/slow/${queued.dagRunId}/dequeue`, { token: op });
  assert.is(dq.status, 204);
  const stop = await server.call('POST', `/dag-runs/slow/${dagRunId}/stop`, { token: op });
  assert.is(stop.status, 204);
  const d = await waitTerminal(server, op, 'slow', dagRunId);
  assert.is(d.statusLabel, 'aborted');
  await server.audit.flush();
  const actions = (await server.audit.query({ resource_id: `slow/${dagRunId}`, limit: 50 })).entries.map((e) => e.action);
  assert.ok(actions.includes('dag_terminate'), actions.join());
});

s('list filters: name, status, dates, limit with cursor; workspace scoping', async ({ server, op }) => {
  await server.call('POST', '/dags/other/start', { token: op, body: { dagRunId: 'o1' } });
  await waitTerminal(server, op, 'other', 'o1');
  const byName = await (await server.call('GET', '/dag-runs?name=quick', { token: op })).json();
  assert.ok(byName.dagRuns.length >= 2);
  assert.ok(byName.dagRuns.every((r: { name: string }) => r.name === 'quick'));
  const aborted = await (await server.call('GET', '/dag-runs?status=aborted', { token: op })).json();
  assert.ok(aborted.dagRuns.length >= 1 && aborted.dagRuns.every((r: { statusLabel: string }) => r.statusLabel === 'aborted'));
  const byCode = await (await server.call('GET', '/dag-runs?status=3', { token: op })).json();
  assert.is(byCode.dagRuns.length, aborted.dagRuns.length);
  const future = await (await server.call('GET', `/dag-runs?fromDate=${Math.floor(Date.now() / 1000) + 3600}`, { token: op })).json();
  assert.is(future.dagRuns.length, 0);
  const page1 = await (await server.call('GET', '/dag-runs?limit=1', { token: op })).json();
  assert.is(page1.dagRuns.length, 1);
  assert.ok(page1.nextCursor);
  const page2 = await (await server.call('GET', `/dag-runs?limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`, { token: op })).json();
  assert.is(page2.dagRuns.length, 1);
  assert.is.not(page2.dagRuns[0].dagRunId, page1.dagRuns[0].dagRunId);
  for (const q of ['status=weird', 'limit=0', 'limit=9999', 'fromDate=yesterday', 'name=../x']) {
    assert.is((await server.call('GET', `/dag-runs?${q}`, { token: op })).status, 400, q);
  }
  const scoped = (await server.auth.createApiKey({ name: 'a-only', role: 'viewer', allowedSurfaces: ['rest_api'], workspaceAccess: { all: false, grants: [{ workspace: 'team-a', role: 'viewer' }] } })).key;
  const none = await (await server.call('GET', '/dag-runs', { token: scoped })).json();
  assert.is(none.dagRuns.length, 0);
  assert.is((await server.call('GET', '/dag-runs/other/o1', { token: scoped })).status, 404);
  const bScoped = (await server.auth.createApiKey({ name: 'b-only', role: 'viewer', allowedSurfaces: ['rest_api'], workspaceAccess: { all: false, grants: [{ workspace: 'team-b', role: 'operator' }] } })).key;
  const mine = await (await server.call('GET', '/dag-runs', { token: bScoped })).json();
  assert.equal(mine.dagRuns.map((r: { name: string }) => r.name), ['other']);
  assert.is((await server.call('GET', '/dag-runs/other/o1', { token: bScoped })).status, 200);
});

s.run();
