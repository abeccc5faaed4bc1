import { createSimulatedClock } from '../../src/core/index.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';

const s = suite('mcp/handler');
let srv: McpTestServer;

s.before(async () => {
  srv = await startMcpServer({ configure: (c) => void (c.mcp.maxSessions = 3) });
});
s.after(async () => {
  await srv.close();
});

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
const post = (body: unknown, headers: Record<string, string> = {}, token = srv.keys.admin) =>
  fetch(srv.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });

s('initialize creates a session; the SDK client lists the three tools sorted', async () => {
  const { client, transport } = await srv.connect();
  assert.ok(transport.sessionId);
  const tools = await client.listTools();
  assert.equal(tools.tools.map((t) => t.name), ['dagu_change', 'dagu_execute', 'dagu_read']);
  const caps = client.getServerCapabilities();
  assert.is(caps?.resources?.subscribe, true);
  assert.ok(caps?.logging);
  assert.is(srv.mcp.sessionCount() >= 1, true);
  await transport.terminateSession();
  await client.close();
});

s('DELETE ends a session and its id then answers 404', async () => {
  const { client, transport } = await srv.connect();
  const id = transport.sessionId!;
  const before = srv.mcp.sessionCount();
  await transport.terminateSession();
  assert.is(srv.mcp.sessionCount(), before - 1);
  const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });
  assert.is(res.status, 404);
  await client.close();
});

s('a session is bound to its subject: another key presenting the id gets 404', async () => {
  const { client, transport } = await srv.connect();
  const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' }, srv.keys.viewer);
  assert.is(res.status, 404);
  const own = await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' });
  assert.is(own.status, 200);
  await own.body?.cancel();
  await transport.terminateSession();
  await client.close();
});

s('refuses bad Host and Origin with 403, accepts loopback ones', async () => {
  const evil = await post(INIT, { origin: 'http://evil.example.com' });
  assert.is(evil.status, 403);
  const port = new URL(srv.mcpUrl).port;
  const local = await post(INIT, { origin: `http://localhost:${port}` });
  assert.is(local.status, 200);
  const id = local.headers.get('mcp-session-id')!;
  await local.body?.cancel();
  await fetch(srv.mcpUrl, { method: 'DELETE', headers: { 'mcp-session-id': id, authorization: `Bearer ${srv.keys.admin}` } });
});

s('non-initialize without a session is 400, unknown session 404, bad method 405, bad version 400', async () => {
  assert.is((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).status, 400);
  assert.is((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'nope' })).status, 404);
  const put = await fetch(srv.mcpUrl, { method: 'PUT', headers: { authorization: `Bearer ${srv.keys.admin}` } });
  assert.is(put.status, 405);
  const { client, transport } = await srv.connect();
  const bad = await post({ jsonrpc: '2.0', id: 9, method: 'tools/list' }, { 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '1999-01-01' });
  assert.is(bad.status, 400);
  assert.is((await fetch(srv.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${srv.keys.admin}` }, body: '{nope' })).status, 400);
  await transport.terminateSession();
  await client.close();
});

s('the session cap answers 503', async () => {
  const open = [];
  for (let i = 0; i < 3; i++) open.push(await srv.connect());
  const res = await post(INIT);
  assert.is(res.status, 503);
  for (const o of open) {
    await o.transport.terminateSession();
    await o.client.close();
  }
  const again = await post(INIT);
  assert.is(again.status, 200);
  await again.body?.cancel();
  await fetch(srv.mcpUrl, { method: 'DELETE', headers: { 'mcp-session-id': again.headers.get('mcp-session-id')!, authorization: `Bearer ${srv.keys.admin}` } });
});

s('each session is an actor whose transitions reach the audit trail', async () => {
  const { client, transport } = await srv.connect();
  const id = transport.sessionId!;
  await client.listTools();
  await transport.terminateSession();
  await srv.audit.flush();
  const page = await srv.audit.query({ session_id: id, limit: 50 });
  const actions = page.entries.map((e) => e.action);
  for (const a of ['mcp.session.connecting', 'mcp.session.ready', 'mcp.session.closing', 'mcp.session.closed']) assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
});

s('idle sessions expire; a session with an open GET stream does not', async () => {
  // Idle expiry runs on the handler's clock: a simulated one, moved forward, not slept on.
  const clock = createSimulatedClock(Date.now());
  const idle = await startMcpServer({ configure: (c) => void (c.mcp.sessionIdleSec = 1), clock });
  try {
    const quiet = await idle.connect();
    const raw = await fetch(idle.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${idle.keys.admin}` }, body: JSON.stringify(INIT) });
    const rawId = raw.headers.get('mcp-session-id')!;
    await raw.text();
    assert.is(idle.mcp.sessionCount(), 2);
    await clock.advance(900);
    assert.is(idle.mcp.sessionCount(), 2, 'not idle for a second yet');
    await clock.advance(700);
    // The SDK client keeps its GET stream open, so it stays; the raw session idled out.
    assert.is(idle.mcp.sessionCount(), 1);
    const gone = await fetch(idle.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${idle.keys.admin}`, 'mcp-session-id': rawId }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    assert.is(gone.status, 404);
    assert.ok((await quiet.client.listTools()).tools.length === 3);
  } finally {
    await idle.close();
  }
});

s('a REST-only key is refused on /mcp with 403 and an mcp.request.denied entry', async () => {
  const rest = await srv.createKey('rest-only', 'admin', ['rest_api']);
  const res = await post(INIT, {}, rest);
  assert.is(res.status, 403);
  await srv.audit.flush();
  const page = await srv.audit.query({ action: 'mcp.request.denied' });
  assert.ok(page.entries.some((e) => e.details.denial_reason === 'api_key_surface_denied'));
});

s.run();
