import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { followStream } from '../../../src/streams/index.ts';
import type { StreamMessage } from '../../../src/streams/index.ts';
import { chainDag, sseClient, startStreamServer } from '../../streams/_stream-server.ts';
import type { StreamServer } from '../../streams/_stream-server.ts';

const s = suite('SSE streams on a real server: GET /api/v1/streams/{topic}, filters, resume, auth, bounds, the Node follower');

let srv: StreamServer;
s.before(async () => {
  srv = await startStreamServer({ configure: (c) => (c.streams.maxConnectionsPerCredential = 4) });
  srv.writeDag('chain', chainDag(3));
  srv.writeDag('other', chainDag(1));
});
s.after(async () => srv.close());

s('audit over SSE: id = cursor, event = type, data = JSON; filters as GET /audit; resume with Last-Event-ID or ?after=', async () => {
  const c = await sseClient(`${srv.api}/streams/audit?action=dag_execute`, { token: srv.admin });
  assert.is(c.status, 200);
  assert.match(c.headers.get('content-type')!, /^text\/event-stream/);
  await c.until((all) => all.some((m) => m.event === 'live'));
  const a = await srv.start('chain');
  const b = await srv.start('other');
  await c.until(() => c.events().length >= 2);
  const events = c.events();
  assert.ok(events.every((e) => e.event === 'audit.entry' && e.body.topic === 'audit' && e.body.data.action === 'dag_execute'));
  assert.equal(events.map((e) => e.body.data.resourceId), [`chain/${a}`, `other/${b}`]);
  assert.equal(events.map((e) => e.id), events.map((e) => e.body.cursor), 'the SSE id is the cursor');
  assert.is(events[0]!.body.correlationId, (await srv.troupe.engine.runtime.getRun('chain', a))!.correlationId);
  c.close();

  const fromId = await sseClient(`${srv.api}/streams/audit?action=dag_execute&after=0`, { token: srv.admin, lastEventId: events[0]!.id });
  await fromId.until((all) => all.some((m) => m.event === 'live'));
  assert.equal(fromId.events().map((e) => e.body.data.resourceId), [`other/${b}`], 'Last-Event-ID wins over ?after= (what a reconnecting EventSource sends)');
  fromId.close();
  const fromAfter = await sseClient(`${srv.api}/streams/audit?action=dag_execute&after=${Number(events[0]!.id) - 1}`, { token: srv.admin });
  await fromAfter.until((all) => all.some((m) => m.event === 'live'));
  assert.equal(fromAfter.events().map((e) => e.body.data.resourceId), [`chain/${a}`, `other/${b}`]);
  fromAfter.close();
});

s('runs of one run over SSE with ?token=, in order, ending with run.finished', async () => {
  const id = await srv.start('chain');
  const c = await sseClient(`${srv.api}/streams/runs?name=chain&dagRunId=${id}&after=0&token=${srv.admin}`);
  assert.is(c.status, 200);
  // Today's runtime can publish run.finished just before the last step's finish.
  await c.until(() => c.events().some((e) => e.event === 'run.finished') && c.events().filter((e) => e.event === 'step.finished').length === 3);
  const events = c.events();
  assert.ok(events.every((e) => e.body.data.dagRunId === id));
  assert.is(events.filter((e) => e.event === 'step.finished').length, 3);
  const ids = events.map((e) => Number(e.id));
  assert.equal(ids, [...ids].sort((x, y) => x - y));
  c.close();
});

s('runs of one composition tree (rootName + rootDagRunId): the root and its sub-DAG runs at every depth, nothing else', async () => {
  srv.writeDag('leaf', 'steps:\n  - run: echo leaf\n');
  srv.writeDag('middle', 'steps:\n  - id: call_leaf\n    action: dag.run\n    with: { dag: leaf }\n');
  srv.writeDag('top', 'steps:\n  - id: call_middle\n    action: dag.run\n    with: { dag: middle }\n  - id: call_leaf\n    action: dag.run\n    with: { dag: leaf }\n');
  const first = await srv.start('top');
  const second = await srv.start('top');
  const c = await sseClient(`${srv.api}/streams/runs?rootName=top&rootDagRunId=${first}&after=0&token=${srv.admin}`);
  assert.is(c.status, 200);
  const runtime = srv.troupe.engine.runtime;
  for (const id of [first, second]) assert.not.ok((await runtime.waitForRun('top', id, 20_000)).timedOut);
  const finishedOf = (all: typeof c.events extends () => infer T ? T : never) => all.filter((e) => e.event === 'run.finished').map((e) => `${e.body.data.name}`).sort();
  // top, middle, and two leaves (one under middle, one under top).
  await c.until(() => finishedOf(c.events()).length >= 4);
  assert.equal(finishedOf(c.events()), ['leaf', 'leaf', 'middle', 'top']);
  const events = c.events();
  const top = (await runtime.getRun('top', first))!;
  const ids = new Set([first]);
  for (const e of events) ids.add(e.body.data.dagRunId);
  assert.is(ids.size, 4, 'the root and its three descendants');
  for (const e of events) {
    if (e.body.data.dagRunId === first) continue;
    assert.equal([e.body.data.rootName, e.body.data.rootDagRunId], ['top', first], 'a descendant event names its root');
  }
  assert.not.ok(events.some((e) => e.body.data.dagRunId === second), 'another tree of the same DAG is not followed');
  assert.is(top.statusLabel, 'succeeded');
  c.close();
  const bad = await sseClient(`${srv.api}/streams/runs?rootName=top&token=${srv.admin}`);
  assert.is(bad.status, 400);
  await bad.body?.cancel?.();
});

s('refusals: 401 without a credential, 403 for a viewer on audit and for a foreign Origin, each audited; 404 topic, 400 filter and cursor, 426 on the WebSocket path', async () => {
  const none = await sseClient(`${srv.api}/streams/runs`);
  assert.is(none.status, 401);
  const viewer = await srv.troupe.auth.createApiKey({ name: 'sse-viewer', role: 'viewer', allowedSurfaces: ['rest_api'] });
  const forbidden = await sseClient(`${srv.api}/streams/audit`, { token: viewer.key });
  assert.is(forbidden.status, 403);
  const evil = await sseClient(`${srv.api}/streams/runs`, { token: viewer.key, headers: { origin: 'https://evil.example' } });
  assert.is(evil.status, 403);
  const sameOrigin = await sseClient(`${srv.api}/streams/runs`, { token: viewer.key, headers: { origin: new URL(srv.api).origin } });
  assert.is(sameOrigin.status, 200, 'the server\'s own origin is fine');
  sameOrigin.close();
  assert.is((await sseClient(`${srv.api}/streams/nope`, { token: srv.admin })).status, 404);
  const badFilter = await sseClient(`${srv.api}/streams/audit?colour=red`, { token: srv.admin });
  assert.is(badFilter.status, 400);
  assert.match(badFilter.body.message, /unknown audit stream filter colour/);
  assert.is((await sseClient(`${srv.api}/streams/runs?after=-1`, { token: srv.admin })).status, 400);
  assert.is((await sseClient(`${srv.api}/streams/runs`, { token: srv.admin, lastEventId: 'abc' })).status, 400);
  assert.is((await fetch(`${srv.api}/streams`, { headers: { authorization: `Bearer ${srv.admin}` } })).status, 426);

  await srv.troupe.engine.audit.flush();
  const missing = await srv.troupe.engine.audit.query({ action: 'auth_request_denied', resource_id: '/api/v1/streams/runs' });
  assert.ok(missing.entries.some((e) => e.details.denial_reason === 'missing_credentials'));
  assert.ok(missing.entries.some((e) => e.details.denial_reason === 'invalid_origin'));
  const perms = await srv.troupe.engine.audit.query({ action: 'api_key_request_denied', credential_id: viewer.apiKey.id });
  assert.ok(perms.entries.some((e) => e.details.denial_reason === 'insufficient_permissions' && e.resource_id === '/api/v1/streams/audit'));
});

s('SSE streams count against the credential\'s connection bound (429) and free it when closed; stream_subscribe and stream_end are audited', async () => {
  const key = await srv.troupe.auth.createApiKey({ name: 'sse-bounded', role: 'viewer', allowedSurfaces: ['rest_api'] });
  const open = [];
  for (let i = 0; i < 4; i++) {
    const c = await sseClient(`${srv.api}/streams/runs`, { token: key.key });
    assert.is(c.status, 200);
    await c.until((all) => all.some((m) => m.event === 'live'));
    open.push(c);
  }
  const over = await sseClient(`${srv.api}/streams/runs`, { token: key.key });
  assert.is(over.status, 429);
  open[0]!.close();
  for (let i = 0; i < 100 && srv.troupe.streams.connections() > 3; i++) await new Promise((r) => setTimeout(r, 20));
  const again = await sseClient(`${srv.api}/streams/runs`, { token: key.key });
  assert.is(again.status, 200);
  for (const c of [...open.slice(1), again]) c.close();
  for (let i = 0; i < 100 && srv.troupe.streams.connections() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  await srv.troupe.engine.audit.flush();
  const subs = await srv.troupe.engine.audit.query({ action: 'stream_subscribe', credential_id: key.apiKey.id });
  assert.is(subs.total, 5);
  assert.ok(subs.entries.every((e) => e.details.transport === 'sse' && e.resource_id === 'runs'));
  const ends = await srv.troupe.engine.audit.query({ action: 'stream_end', credential_id: key.apiKey.id });
  assert.is(ends.total, 5);
  assert.ok(ends.entries.every((e) => e.details.end_reason === 'client'));
});

s('followStream (the CLI helper) reconnects with Last-Event-ID when the server drops the stream: nothing missed, nothing twice', async () => {
  const ac = new AbortController();
  const got: StreamMessage[] = [];
  let resolveSeen: (() => void) | undefined;
  const want = (n: number) => new Promise<void>((r) => (resolveSeen = () => got.filter((m) => m.kind === 'event').length >= n && r()));
  const follower = (async () => {
    for await (const m of followStream(srv.api, 'audit', { token: srv.admin, filter: { action: 'dag_execute' }, after: '0', signal: ac.signal, retryMs: 50 })) {
      got.push(m);
      resolveSeen?.();
    }
  })();
  const before = (await srv.troupe.engine.audit.query({ action: 'dag_execute' })).total;
  const first = want(before + 1);
  await srv.start('other');
  await first;
  srv.troupe.streams.close(); // every stream ends, as on a restart
  const second = want(before + 2);
  await srv.start('other');
  await second;
  ac.abort();
  await follower;
  const events = got.filter((m) => m.kind === 'event');
  const cursors = events.map((m) => m.cursor);
  assert.is(new Set(cursors).size, cursors.length, 'no duplicate');
  const stored = (await srv.troupe.engine.audit.query({ action: 'dag_execute', limit: 500 })).entries.map((e) => String(e.seq)).reverse();
  assert.equal(cursors, stored, 'every dag_execute entry, in order');
});

s('OpenAPI documents the SSE routes of a server that serves them', async () => {
  const doc = await (await fetch(`${srv.api}/openapi.json`)).json();
  const sse = doc.paths['/streams/{topic}'].get;
  assert.ok(sse.responses['200'].content['text/event-stream']);
  assert.equal(sse.parameters.find((p: { name: string }) => p.name === 'topic').schema.enum, ['audit', 'runs', 'actors']);
  for (const name of ['after', 'token', 'Last-Event-ID', 'action', 'correlationId', 'name', 'dagRunId', 'actorId', 'kind']) {
    assert.ok(sse.parameters.some((p: { name: string }) => p.name === name), name);
  }
  assert.ok(doc.paths['/streams'].get.responses['101']);
});

s.run();
