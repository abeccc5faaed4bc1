import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer } from '../../_support/http-server.ts';
import type { TestServer } from '../../_support/http-server.ts';

let s: TestServer;
let admin: string;
let team: string;

const DIAMOND = 'steps:\n  - name: a\n    run: echo a\n  - name: b\n    run: echo b\n    depends: [a]\n  - name: c\n    run: echo c\n    depends: [a]\n  - name: d\n    run: echo d\n    depends: [b, c]\n';

test.before(async () => {
  s = await startTestServer({ mode: 'builtin' });
  admin = (await s.auth.createApiKey({ name: 'admin', role: 'admin', allowedSurfaces: ['rest_api'], attributionClass: 'service_account' })).key;
  team = (await s.auth.createApiKey({ name: 'team', role: 'operator', allowedSurfaces: ['rest_api'], attributionClass: 'service_account', workspaceAccess: { all: false, grants: [{ workspace: 'team', role: 'operator' }] } })).key;
  s.writeDag('diamond', DIAMOND);
  s.writeDag('teamjob', 'labels: [workspace=team]\nsteps:\n  - name: x\n    run: echo x\n');
});
test.after(() => s.close());

async function runToEnd(name: string, token: string): Promise<string> {
  const res = await s.call('POST', `/dags/${name}/start`, { token, body: {} });
  assert.is(res.status, 200);
  const { dagRunId } = (await res.json()) as { dagRunId: string };
  await s.engine.runtime.waitForRun(name, dagRunId, 10_000);
  return dagRunId;
}

test('GET /machines: every machine, derived from the machine objects; authenticated', async () => {
  assert.is((await s.call('GET', '/machines')).status, 401);
  const res = await s.call('GET', '/machines', { token: team });
  assert.is(res.status, 200);
  const { machines } = (await res.json()) as { machines: Array<{ id: string; states: Array<{ path: string }> }> };
  assert.equal(machines.map((m) => m.id), ['run', 'session', 'step']);
  assert.ok(machines[0]!.states.some((st) => st.path === 'running.active'));
});

test('GET /actors and /actors/{id}: workspaces filter actors as REST filters runs', async () => {
  const id = await runToEnd('diamond', admin);
  const teamRun = await runToEnd('teamjob', team);
  const all = (await (await s.call('GET', '/actors', { token: admin })).json()) as { actors: Array<{ id: string }>; counts: Record<string, number> };
  assert.ok(all.actors.some((a) => a.id === `run:diamond/${id}:1`));
  assert.ok(all.counts.step! >= 5);
  const mine = (await (await s.call('GET', '/actors', { token: team })).json()) as { actors: Array<{ id: string }>; total: number };
  assert.ok(mine.actors.length >= 2);
  assert.ok(mine.actors.every((a) => a.id.includes(`teamjob/${teamRun}`)), JSON.stringify(mine.actors.map((a) => a.id)));
  assert.is((await s.call('GET', `/actors/${encodeURIComponent(`run:diamond/${id}:1`)}`, { token: team })).status, 404);
  const one = (await (await s.call('GET', `/actors/${encodeURIComponent(`run:diamond/${id}:1`)}`, { token: admin })).json()) as { actor: { state: string }; log: Array<{ to: string }> };
  assert.is(one.actor.state, 'succeeded');
  assert.is(one.log.at(-1)!.to, 'succeeded');
  assert.is((await s.call('GET', '/actors?kind=queue', { token: admin })).status, 400);
  const steps = (await (await s.call('GET', '/actors?kind=step&dag=diamond', { token: admin })).json()) as { actors: Array<{ kind: string }> };
  assert.ok(steps.actors.length >= 4 && steps.actors.every((a) => a.kind === 'step'));
});

test('GET /dag-runs/{name}/{id}/graph and /replay', async () => {
  const id = await runToEnd('diamond', admin);
  const graph = (await (await s.call('GET', `/dag-runs/diamond/${id}/graph`, { token: admin })).json()) as { nodes: Array<{ name: string; depends: string[] }> };
  assert.equal(graph.nodes.map((n) => [n.name, n.depends]), [['a', []], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]]);
  const replay = (await (await s.call('GET', `/dag-runs/diamond/${id}/replay`, { token: admin })).json()) as { source: string; transitions: Array<{ actorKind: string; step?: string; to: string; at: number }> };
  assert.is(replay.source, 'persisted');
  assert.is(replay.transitions.filter((t) => t.actorKind === 'run').at(-1)!.to, 'succeeded');
  for (const step of ['a', 'b', 'c', 'd']) assert.is(replay.transitions.filter((t) => t.step === step).at(-1)!.to, 'succeeded');
  assert.is((await s.call('GET', `/dag-runs/diamond/${id}/replay`, { token: team })).status, 404);
});

test('the graph of a chain DAG (and of depends naming a step id) has the edges the DAG language gives', async () => {
  s.writeDag('chained', 'type: chain\nsteps:\n  - name: one\n    run: echo 1\n  - name: two\n    run: echo 2\n  - name: three\n    run: echo 3\n');
  s.writeDag('byid', 'steps:\n  - name: first step\n    id: first\n    run: echo 1\n  - name: second\n    run: echo 2\n    depends: [first]\n');
  const chained = await runToEnd('chained', admin);
  const g1 = (await (await s.call('GET', `/dag-runs/chained/${chained}/graph`, { token: admin })).json()) as { nodes: Array<{ name: string; depends: string[] }> };
  assert.equal(g1.nodes.map((n) => [n.name, n.depends]), [['one', []], ['two', ['one']], ['three', ['two']]]);
  const byid = await runToEnd('byid', admin);
  const g2 = (await (await s.call('GET', `/dag-runs/byid/${byid}/graph`, { token: admin })).json()) as { nodes: Array<{ name: string; depends: string[] }> };
  assert.equal(g2.nodes.map((n) => [n.name, n.depends]), [['first step', []], ['second', ['first step']]]);
});

test('replay of a run this server did not see live is reconstructed from its record', async () => {
  const id = await runToEnd('diamond', admin);
  // A second board (as after a restart) has never seen the run.
  const { createActorBoard } = await import('../../../src/visualizer/actor-board.ts');
  const { replayOf } = await import('../../../src/visualizer/replay-source.ts');
  const fresh = createActorBoard({ runtime: s.engine.runtime, finalStates: {} });
  const run = (await s.engine.runtime.getRun('diamond', id))!;
  const replay = replayOf(run, fresh);
  fresh.close();
  assert.is(replay.source, 'record');
  assert.is(replay.transitions[0]!.actorKind, 'run');
  assert.is(replay.transitions.at(-1)!.to, 'succeeded');
  const times = replay.transitions.map((t) => t.at);
  assert.equal(times, [...times].sort((a, b) => a - b));
  assert.is(replay.transitions.filter((t) => t.step === 'd').map((t) => t.to).join(' '), 'pending running.active succeeded');
});

test.run();
