import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chainDag, startStreamServer, wsClient } from '../../streams/_stream-server.ts';
import type { StreamServer, WsClient } from '../../streams/_stream-server.ts';

const s = suite('WebSocket streams on a real server with real ws clients: topics, filters, resume, gaps, backpressure, auth, bounds');

let srv: StreamServer;
s.before(async () => {
  srv = await startStreamServer({
    configure: (c) => {
      c.streams.maxSubscriptionsPerConnection = 3;
      c.streams.maxConnectionsPerCredential = 6;
    },
  });
  srv.writeDag('chain', chainDag(6));
  srv.writeDag('other', chainDag(2));
});
s.after(async () => srv.close());

const runEvents = (c: WsClient, id: string, dagRunId: string) => c.messages.filter((m) => m.type === 'event' && m.id === id && m.data.dagRunId === dagRunId);

s('one socket, several subscriptions: runs of one DAG, actors of one kind, audit by action; events tagged with the subscription id', async () => {
  const c = await wsClient(srv.wsUrl, { token: srv.admin });
  c.send({ type: 'subscribe', id: 'r', topic: 'runs', filter: { name: 'chain' } });
  c.send({ type: 'subscribe', id: 'k', topic: 'actors', filter: { kind: 'run' } });
  c.send({ type: 'subscribe', id: 'a', topic: 'audit', filter: { action: 'dag_execute' } });
  for (const id of ['r', 'k', 'a']) await c.next((m) => m.type === 'subscribed' && m.id === id);
  await c.until((all) => all.filter((m) => m.type === 'live').length === 3);
  await srv.start('other');
  const runId = await srv.start('chain');
  await c.next((m) => m.type === 'event' && m.id === 'r' && m.event === 'run.finished' && m.data.dagRunId === runId);
  // Today's runtime can publish run.finished just before the last step's finish.
  await c.until((all) => all.filter((m) => m.id === 'r' && m.event === 'step.finished' && m.data.dagRunId === runId).length === 6);
  const runs = c.messages.filter((m) => m.type === 'event' && m.id === 'r');
  assert.ok(runs.every((m) => m.topic === 'runs' && m.data.name === 'chain'), 'only the chain DAG');
  assert.ok(runs.some((m) => m.event === 'run.started'));
  assert.is(runs.filter((m) => m.event === 'step.finished').length, 6, 'every step finished');
  assert.ok(runs.every((m) => /^\d+$/.test(m.cursor)), 'every message has a cursor');
  const cursors = runs.map((m) => Number(m.cursor));
  assert.equal(cursors, [...cursors].sort((a, b) => a - b), 'in cursor order');
  const audit = await c.next((m) => m.type === 'event' && m.id === 'a' && m.data.resourceId === `chain/${runId}`);
  assert.is(audit.event, 'audit.entry');
  assert.is(audit.data.action, 'dag_execute');
  const run = await srv.troupe.engine.runtime.getRun('chain', runId);
  assert.is(audit.correlationId, run!.correlationId, 'the audit message carries the correlation id of the call');
  assert.ok(runs.every((m) => m.correlationId === run!.correlationId), 'run events carry the correlation id of the call that started the run');
  await c.until((all) => all.some((m) => m.id === 'k' && m.type === 'event' && m.data.dagRunId === runId && m.data.to !== undefined));
  const actors = c.messages.filter((m) => m.type === 'event' && m.id === 'k');
  assert.ok(actors.length > 0 && actors.every((m) => m.data.actorKind === 'run'), 'actors of kind run only');
  assert.ok(actors.some((m) => m.event === 'actor.created'));
  assert.ok(actors.some((m) => m.event === 'actor.transition' && m.data.from !== null));

  c.send({ type: 'unsubscribe', id: 'r' });
  await c.next((m) => m.type === 'unsubscribed' && m.id === 'r');
  const before = c.messages.filter((m) => m.id === 'r' && m.type === 'event').length;
  const second = await srv.start('chain');
  await c.next((m) => m.type === 'event' && m.id === 'a' && m.data.resourceId === `chain/${second}`);
  await c.next((m) => m.type === 'event' && m.id === 'k' && m.data.dagRunId === second && m.data.to === 'succeeded', 15_000);
  assert.is(c.messages.filter((m) => m.id === 'r' && m.type === 'event').length, before, 'nothing after unsubscribe');
  c.close();
});

s('one run (name + dagRunId), then resume from the middle of its events while other runs start: no gap, no duplicate', async () => {
  const full = await wsClient(srv.wsUrl, { token: srv.admin });
  full.send({ type: 'subscribe', id: 'all', topic: 'runs', filter: { name: 'chain' } });
  await full.next((m) => m.type === 'live');
  const runId = await srv.start('chain');
  await full.next((m) => m.type === 'event' && m.event === 'run.finished' && m.data.dagRunId === runId, 15_000);
  await new Promise((r) => setTimeout(r, 100));
  const reference = runEvents(full, 'all', runId);
  assert.ok(reference.length >= 10, `a run of 6 steps has many events (${reference.length})`);
  const middle = reference[Math.floor(reference.length / 2)]!;

  // Load while the client reconnects: other runs start and publish.
  const load = Promise.all([srv.start('other'), srv.start('chain'), srv.start('other')]);
  const again = await wsClient(srv.wsUrl, { token: srv.admin });
  again.send({ type: 'subscribe', id: 'one', topic: 'runs', filter: { name: 'chain', dagRunId: runId }, after: middle.cursor });
  await again.next((m) => m.type === 'live' && m.id === 'one');
  await load;
  await new Promise((r) => setTimeout(r, 200));
  const resumed = again.messages.filter((m) => m.type === 'event' && m.id === 'one');
  const expected = reference.filter((m) => Number(m.cursor) > Number(middle.cursor));
  assert.equal(resumed.map((m) => m.cursor), expected.map((m) => m.cursor));
  assert.equal(resumed.map((m) => m.event), expected.map((m) => m.event));
  assert.ok(resumed.every((m) => m.data.dagRunId === runId));
  assert.not.ok(again.messages.some((m) => m.type === 'gap'));
  full.close();
  again.close();
});

s('protocol errors have stable codes; bounds on subscriptions per connection', async () => {
  const c = await wsClient(srv.wsUrl, { token: srv.admin });
  c.ws.send('not json');
  assert.is((await c.next((m) => m.type === 'error')).code, 'invalid_message');
  c.send({ type: 'subscribe', id: 'x', topic: 'nope' });
  assert.is((await c.next((m) => m.type === 'error' && m.id === 'x')).code, 'unknown_topic');
  c.send({ type: 'subscribe', id: 'f', topic: 'runs', filter: { colour: 'red' } });
  assert.is((await c.next((m) => m.type === 'error' && m.id === 'f')).code, 'invalid_filter');
  c.send({ type: 'subscribe', id: 'f2', topic: 'runs', filter: { dagRunId: 'x' } });
  assert.is((await c.next((m) => m.type === 'error' && m.id === 'f2')).code, 'invalid_filter', 'dagRunId needs name');
  c.send({ type: 'subscribe', id: 'c', topic: 'runs', after: 'yesterday' });
  assert.is((await c.next((m) => m.type === 'error' && m.id === 'c')).code, 'invalid_filter');
  c.send({ type: 'unsubscribe', id: 'ghost' });
  assert.is((await c.next((m) => m.type === 'error' && m.id === 'ghost')).code, 'unknown_subscription');
  c.send({ type: 'ping' });
  await c.next((m) => m.type === 'pong');
  for (const id of ['1', '2', '3']) c.send({ type: 'subscribe', id, topic: 'runs' });
  c.send({ type: 'subscribe', id: '1', topic: 'runs' });
  assert.is((await c.next((m) => m.type === 'error' && m.id === '1')).code, 'duplicate_id');
  c.send({ type: 'subscribe', id: '4', topic: 'runs' });
  assert.is((await c.next((m) => m.type === 'error' && m.id === '4')).code, 'limit_exceeded');
  assert.is(c.messages.filter((m) => m.type === 'subscribed').length, 3);
  c.close();
});

s('auth: no credential 401, a key without rest_api 403, a bad Origin 403, each audited; ?token= works; a viewer is refused the audit topic (audited) but gets runs', async () => {
  const refused = async (url: string, headers: Record<string, string> = {}) => {
    try {
      await wsClient(url, { headers });
    } catch (e) {
      return (e as { status?: number }).status;
    }
    return 101;
  };
  assert.is(await refused(srv.wsUrl), 401);
  assert.is(await refused(srv.wsUrl, { authorization: 'Bearer troupe_not-a-key' }), 401);
  const mcpOnly = await srv.troupe.auth.createApiKey({ name: 'mcp-only', role: 'admin', allowedSurfaces: ['mcp'] });
  assert.is(await refused(`${srv.wsUrl}?token=${mcpOnly.key}`), 403);
  assert.is(await refused(`${srv.wsUrl}?token=${srv.admin}`, { origin: 'https://evil.example' }), 403);
  await srv.troupe.engine.audit.flush();
  const denied = await srv.troupe.engine.audit.query({ result: 'denied', resource_id: '/api/v1/streams' });
  const reasons = denied.entries.map((e) => e.details.denial_reason).sort();
  assert.ok(reasons.includes('missing_credentials'), JSON.stringify(reasons));
  assert.ok(reasons.includes('invalid_origin'), JSON.stringify(reasons));
  assert.ok(denied.entries.some((e) => e.action === 'api_key_request_denied' && e.credential_id === mcpOnly.apiKey.id), 'the key denial names the key');

  const viewer = await srv.troupe.auth.createApiKey({ name: 'viewer', role: 'viewer', allowedSurfaces: ['rest_api'] });
  const c = await wsClient(`${srv.wsUrl}?token=${viewer.key}`, { headers: { origin: srv.api.replace(/\/api\/v1$/, '') } });
  c.send({ type: 'subscribe', id: 'a', topic: 'audit' });
  assert.is((await c.next((m) => m.type === 'error' && m.id === 'a')).code, 'forbidden');
  c.send({ type: 'subscribe', id: 'r', topic: 'runs' });
  await c.next((m) => m.type === 'subscribed' && m.id === 'r');
  await srv.troupe.engine.audit.flush();
  const forbidden = await srv.troupe.engine.audit.query({ action: 'api_key_request_denied', credential_id: viewer.apiKey.id });
  assert.is(forbidden.entries[0]?.details.denial_reason, 'insufficient_permissions');
  assert.is(forbidden.entries[0]?.resource_id, 'audit');
  const subscribed = await srv.troupe.engine.audit.query({ action: 'stream_subscribe', credential_id: viewer.apiKey.id });
  assert.is(subscribed.entries[0]?.resource_id, 'runs', 'the subscription itself is audited');
  assert.is(subscribed.entries[0]?.details.transport, 'websocket');
  c.close();
});

s('connections per credential are bounded (429, audited) and a closed connection frees its slot', async () => {
  const key = await srv.troupe.auth.createApiKey({ name: 'bounded', role: 'viewer', allowedSurfaces: ['rest_api'] });
  const open: WsClient[] = [];
  for (let i = 0; i < 6; i++) open.push(await wsClient(srv.wsUrl, { token: key.key }));
  const status = await wsClient(srv.wsUrl, { token: key.key }).then(
    () => 101,
    (e) => (e as { status?: number }).status,
  );
  assert.is(status, 429);
  await srv.troupe.engine.audit.flush();
  const denied = await srv.troupe.engine.audit.query({ credential_id: key.apiKey.id, result: 'denied' });
  assert.is(denied.entries[0]?.details.denial_reason, 'connection_limit');
  open[0]!.close();
  await open[0]!.closed;
  await new Promise((r) => setTimeout(r, 50));
  const again = await wsClient(srv.wsUrl, { token: key.key });
  for (const c of [...open.slice(1), again]) c.close();
});

s('workspace isolation: a key granted one workspace never receives another workspace\'s run events', async () => {
  srv.writeDag('team-a', chainDag(2, 'workspace=team-a'));
  srv.writeDag('team-b', chainDag(2, 'workspace=team-b'));
  const key = await srv.troupe.auth.createApiKey({ name: 'team-a-viewer', role: 'viewer', allowedSurfaces: ['rest_api'], workspaceAccess: { all: false, grants: [{ workspace: 'team-a', role: 'viewer' }] } });
  const c = await wsClient(srv.wsUrl, { token: key.key });
  const admin = await wsClient(srv.wsUrl, { token: srv.admin });
  c.send({ type: 'subscribe', id: 'r', topic: 'runs' });
  c.send({ type: 'subscribe', id: 'k', topic: 'actors' });
  admin.send({ type: 'subscribe', id: 'r', topic: 'runs' });
  await c.until((all) => all.filter((m) => m.type === 'live').length === 2);
  await admin.next((m) => m.type === 'live');
  const b = await srv.start('team-b');
  const a = await srv.start('team-a');
  await c.next((m) => m.id === 'r' && m.event === 'run.finished' && m.data.dagRunId === a, 15_000);
  await admin.next((m) => m.event === 'run.finished' && m.data.dagRunId === b, 15_000);
  assert.ok(admin.messages.some((m) => m.data?.dagRunId === b), 'the admin sees team-b');
  assert.not.ok(c.messages.some((m) => m.data?.dagRunId === b), 'team-b never reaches the team-a key');
  assert.not.ok(c.messages.some((m) => m.data?.name === 'chain' || m.data?.name === 'other'), 'nor the default workspace');
  assert.ok(c.messages.some((m) => m.id === 'k' && m.data?.dagRunId === a), 'actors of team-a runs do');
  // The same filter, resumed from the store, is filtered the same way.
  const resumed = await wsClient(srv.wsUrl, { token: key.key });
  resumed.send({ type: 'subscribe', id: 'r', topic: 'runs', after: '0' });
  await resumed.next((m) => m.type === 'live');
  assert.ok(resumed.messages.some((m) => m.data?.dagRunId === a));
  assert.not.ok(resumed.messages.some((m) => m.type === 'event' && m.data?.name !== 'team-a'));
  for (const x of [c, admin, resumed]) x.close();
});

s.run();
