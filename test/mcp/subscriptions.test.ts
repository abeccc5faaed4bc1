import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { QUICK_DAG, SLOW_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';

const s = suite('mcp/subscriptions');
let srv: McpTestServer;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

s.before(async () => {
  srv = await startMcpServer({ configure: (c) => void (c.mcp.maxSubscriptionsPerSession = 2) });
  srv.writeDag('quick', QUICK_DAG());
  srv.writeDag('gate', 'steps:\n  - name: wait\n    run: sleep 0.5\n');
  srv.writeDag('slow', SLOW_DAG);
});
s.after(async () => {
  await srv.close();
});

s('subscriber gets exactly one resources/updated when another client\'s run ends; read shows the terminal status', async () => {
  const { client: sub } = await srv.connect({ name: 'subscriber' });
  const { client: starter } = await srv.connect({ name: 'starter' });
  const seen: string[] = [];
  sub.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.push(n.params.uri));
  const r = (await starter.callTool({ name: 'dagu_execute', arguments: { action: 'start', name: 'gate' } })) as unknown as { structuredContent: { runUri: string; dagRunId: string } };
  const uri = r.structuredContent.runUri;
  await sub.subscribeResource({ uri });
  await until(() => seen.length > 0);
  const read = await sub.readResource({ uri });
  const details = JSON.parse((read.contents[0] as { text: string }).text) as { dagRunDetails: { statusLabel: string } };
  assert.is(details.dagRunDetails.statusLabel, 'succeeded');
  await sleep(200);
  assert.equal(seen, [uri]);
  await srv.audit.flush();
  const subs = await srv.audit.query({ action: 'mcp.resource.subscribe.succeeded' });
  assert.ok(subs.entries.some((e) => e.resource_type === 'dag_run' && e.resource_id === `gate/${r.structuredContent.dagRunId}`));
});

s('no notification after unsubscribe', async () => {
  const { client: sub } = await srv.connect();
  const seen: string[] = [];
  sub.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.push(n.params.uri));
  // A run that only ends when stopped, so its end comes after the unsubscribe however slow the machine is.
  const started = await srv.engine.runtime.start({ name: 'slow' });
  const uri = `dagu://runs/slow/${started.dagRunId}`;
  await sub.subscribeResource({ uri });
  await sub.unsubscribeResource({ uri });
  await srv.engine.runtime.stop('slow', started.dagRunId);
  await srv.engine.runtime.waitForRun('slow', started.dagRunId, 10_000);
  await sleep(300);
  assert.equal(seen, []);
});

s('subscribing to an ended run notifies at once; two sessions are both notified', async () => {
  const a = await srv.connect();
  const b = await srv.connect();
  const seenA: string[] = [];
  const seenB: string[] = [];
  a.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seenA.push(n.params.uri));
  b.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seenB.push(n.params.uri));
  const done = await srv.engine.runtime.start({ name: 'quick' });
  await srv.engine.runtime.waitForRun('quick', done.dagRunId, 10_000);
  // A round trip first, so the GET stream is open before the immediate notification.
  await a.client.listTools();
  await a.client.subscribeResource({ uri: `dagu://runs/quick/${done.dagRunId}/logs` });
  await until(() => seenA.length === 1);
  const live = await srv.engine.runtime.start({ name: 'gate' });
  const uri = `dagu://runs/gate/${live.dagRunId}`;
  await a.client.subscribeResource({ uri });
  await b.client.subscribeResource({ uri });
  await until(() => seenA.length === 2 && seenB.length === 1);
  assert.equal(seenB, [uri]);
});

s('bounded per session; unknown runs and bad URIs are refused', async () => {
  const { client } = await srv.connect();
  const runs = await Promise.all([1, 2, 3].map(() => srv.engine.runtime.start({ name: 'slow' })));
  await client.subscribeResource({ uri: `dagu://runs/slow/${runs[0]!.dagRunId}` });
  await client.subscribeResource({ uri: `dagu://runs/slow/${runs[1]!.dagRunId}` });
  try {
    await client.subscribeResource({ uri: `dagu://runs/slow/${runs[2]!.dagRunId}` });
    assert.unreachable('third subscription should be refused');
  } catch (e) {
    assert.instance(e, McpError);
    assert.is((e as McpError).code, -32600);
  }
  try {
    await client.subscribeResource({ uri: 'dagu://runs/slow/nope' });
    assert.unreachable();
  } catch (e) {
    assert.is((e as McpError).code, -32002);
  }
  try {
    await client.subscribeResource({ uri: 'test://watched-resource' });
    assert.unreachable();
  } catch (e) {
    assert.is((e as McpError).code, -32602);
  }
  for (const r of runs) await srv.engine.runtime.stop('slow', r.dagRunId);
});

s('resumability: a notification sent while the GET stream is down is replayed with Last-Event-ID', async () => {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${srv.keys.admin}` };
  const init = await fetch(srv.mcpUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
  const sid = init.headers.get('mcp-session-id')!;
  await init.text();
  const h = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(srv.mcpUrl, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  // Open the GET stream and read until the first event id arrives (a notification we cause).
  const ctrl = new AbortController();
  const get = await fetch(srv.mcpUrl, { headers: { ...h, accept: 'text/event-stream' }, signal: ctrl.signal });
  assert.is(get.status, 200);
  const first = await srv.engine.runtime.start({ name: 'quick' });
  await srv.engine.runtime.waitForRun('quick', first.dagRunId, 10_000);
  const sub = (uri: string, id: number) => fetch(srv.mcpUrl, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri } }) }).then((r) => r.text());
  await sub(`dagu://runs/quick/${first.dagRunId}`, 2);
  const reader = get.body!.getReader();
  let buf = '';
  while (!/id: (\S+)\n/.test(buf)) buf += new TextDecoder().decode((await reader.read()).value);
  const lastId = /id: (\S+)\n/.exec(buf)![1]!;
  ctrl.abort();
  await sleep(50);
  // While disconnected, a second run ends and is notified.
  const second = await srv.engine.runtime.start({ name: 'gate' });
  const secondUri = `dagu://runs/gate/${second.dagRunId}`;
  await sub(secondUri, 3);
  await srv.engine.runtime.waitForRun('gate', second.dagRunId, 10_000);
  await sleep(100);
  const ctrl2 = new AbortController();
  const resumed = await fetch(srv.mcpUrl, { headers: { ...h, accept: 'text/event-stream', 'last-event-id': lastId }, signal: ctrl2.signal });
  assert.is(resumed.status, 200);
  const r2 = resumed.body!.getReader();
  let buf2 = '';
  while (!buf2.includes(secondUri)) buf2 += new TextDecoder().decode((await r2.read()).value);
  assert.ok(buf2.includes('notifications/resources/updated'));
  ctrl2.abort();
  await fetch(srv.mcpUrl, { method: 'DELETE', headers: h });
});

s('closing a session releases its subscriptions', async () => {
  const { client, transport } = await srv.connect();
  const run = await srv.engine.runtime.start({ name: 'slow' });
  await client.subscribeResource({ uri: `dagu://runs/slow/${run.dagRunId}` });
  const count = srv.mcp.sessionCount();
  await transport.terminateSession();
  assert.is(srv.mcp.sessionCount(), count - 1);
  await srv.engine.runtime.stop('slow', run.dagRunId);
});

s.run();
