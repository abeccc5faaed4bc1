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

/** Reads server-sent events until `until` says stop (or 5 s pass). */
async function readEvents(token: string, until: (events: Array<{ event: string; data: any }>) => boolean, during: () => Promise<void>) {
  const abort = new AbortController();
  const res = await fetch(`${s.api}/actors/live`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', 'text/event-stream');
  const events: Array<{ event: string; data: any }> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => abort.abort(), 5000);
  let buffer = '';
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          if (until(events)) return abort.abort();
        }
      }
    } catch {
      /* aborted */
    }
  })();
  await during();
  await reading;
  clearTimeout(timer);
  return events;
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

test('GET /actors/live streams transitions as they happen, only from visible workspaces', async () => {
  let teamRun = '';
  const events = await readEvents(
    team,
    (ev) => ev.some((e) => e.data.actor?.kind === 'run' && e.data.actor.state === 'succeeded' && e.data.actor.run.name === 'teamjob'),
    async () => {
      await runToEnd('diamond', admin);
      teamRun = await runToEnd('teamjob', admin);
    },
  );
  const changes = events.filter((e) => e.event === 'change');
  assert.ok(changes.length >= 3, `got ${changes.length}`);
  assert.ok(changes.every((c) => c.data.actor.run?.name === 'teamjob' && c.data.actor.run.dagRunId === teamRun), 'nothing of the default workspace');
  const seqs = changes.map((c) => c.data.seq);
  assert.equal(seqs, [...seqs].sort((a, b) => a - b), 'in order');
  assert.is((await fetch(`${s.api}/actors/live`)).status, 401);
});

test('GET /dag-runs/{name}/{id}/graph and /replay', async () => {
  const id = await runToEnd('diamond', admin);
  const graph = (await (await s.call('GET', `/dag-runs/diamond/${id}/graph`, { token: admin })).json()) as { nodes: Array<{ name: string; depends: string[] }> };
  assert.equal(graph.nodes.map((n) => [n.name, n.depends]), [['a', []], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]]);
  const replay = (await (await s.call('GET', `/dag-runs/diamond/${id}/replay`, { token: admin })).json()) as { source: string; transitions: Array<{ actorKind: string; step?: string; to: string; at: number }> };
  // Persisted transitions once the backbone keeps them; until then the live board's log.
  assert.ok(['persisted', 'board'].includes(replay.source), replay.source);
  assert.is(replay.transitions.filter((t) => t.actorKind === 'run').at(-1)!.to, 'succeeded');
  for (const step of ['a', 'b', 'c', 'd']) assert.is(replay.transitions.filter((t) => t.step === step).at(-1)!.to, 'succeeded');
  assert.is((await s.call('GET', `/dag-runs/diamond/${id}/replay`, { token: team })).status, 404);
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
