import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { QUICK_DAG, SLOW_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';

// The 2026-07-28 era on the same /mcp, with the real SDK 2.x client (no initialize, no session).
const s = suite('mcp/modern');
let srv: McpTestServer;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text?: string }>; _meta?: Record<string, unknown> };
const clients: Client[] = [];
async function modern(token = srv.keys.admin, name = 'modern-test'): Promise<Client> {
  const client = new Client({ name, version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  const transport = new StreamableHTTPClientTransport(new URL(srv.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  clients.push(client);
  return client;
}
const rawModern = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(srv.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${srv.keys.admin}`, 'mcp-protocol-version': '2026-07-28', ...headers },
    body: JSON.stringify(body),
  });
const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };

s.before(async () => {
  srv = await startMcpServer({ configure: (c) => void (c.mcp.maxListensPerCredential = 2) });
  srv.writeDag('quick', QUICK_DAG());
  srv.writeDag('gate', 'steps:\n  - name: wait\n    run: sleep 0.5\n');
  srv.writeDag('slow', SLOW_DAG);
});
s.after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await srv.close();
});

s('discovery: a pinned 2026-07-28 client connects without a session and sees the same surface', async () => {
  const client = await modern();
  assert.is(client.getNegotiatedProtocolVersion(), '2026-07-28');
  assert.is(srv.mcp.sessionCount(), 0);
  const caps = client.getServerCapabilities();
  assert.ok(caps?.tools);
  assert.is(caps?.resources?.subscribe, true);
  assert.is(client.getServerVersion()?.name, 'troupe');
  assert.equal((await client.listTools()).tools.map((t) => t.name), ['dagu_change', 'dagu_execute', 'dagu_read']);
  const resources = await client.listResources();
  assert.ok(resources.resources.some((r) => r.uri === 'dagu://reference/tools'));
  const templates = await client.listResourceTemplates();
  assert.ok(templates.resourceTemplates.some((t) => t.uriTemplate === 'dagu://runs/{name}/{dagRunId}'));
  const prompts = await client.listPrompts();
  assert.ok(prompts.prompts.some((p) => p.name === 'dagu_create_dag'));
  const prompt = await client.getPrompt({ name: 'dagu_create_dag', arguments: { goal: 'print hello' } });
  assert.match((prompt.messages[0]!.content as { text: string }).text, 'mode=preview');
  const read = await client.readResource({ uri: 'dagu://reference/tools' });
  assert.match((read.contents[0] as { text: string }).text, '# ');
});

s('every tool works in the modern era; audit entries carry the request id, not a session', async () => {
  const client = await modern(srv.keys.admin, 'modern-tools');
  const read = (await client.callTool({ name: 'dagu_read', arguments: { target: 'reference', name: 'tools' } })) as unknown as Result;
  assert.not.ok(read.isError);
  assert.is(read.content[0]!.text, 'Dagu read completed.');
  const change = (await client.callTool({ name: 'dagu_change', arguments: { name: 'made-modern', spec: QUICK_DAG() } })) as unknown as Result;
  assert.is(change.structuredContent!.valid, true);
  const exec = (await client.callTool({ name: 'dagu_execute', arguments: { action: 'start', name: 'quick', wait: true, timeoutSec: 20 } })) as unknown as Result;
  assert.is(exec.structuredContent!.statusLabel, 'succeeded');
  const bad = (await client.callTool({ name: 'dagu_read', arguments: { target: 'nope' } })) as unknown as Result;
  assert.is(bad.structuredContent!.code, 'unsupported_read_target');
  const correlationId = exec._meta!['troupe/correlationId'] as string;
  await srv.audit.flush();
  const page = await srv.audit.query({ correlation_id: correlationId, limit: 50 });
  const call = page.entries.find((e) => e.action === 'mcp.tool_call.succeeded')!;
  assert.ok(call, 'tool call entry');
  assert.is(call.session_id, '');
  assert.is(call.details.protocol_version, '2026-07-28');
  assert.ok(call.details.mcp_request_id !== undefined);
  assert.is(call.details.client_name, 'modern-tools');
  assert.is(call.details.client_version, '2.0.0');
  assert.ok(page.entries.some((e) => e.action === 'dag_run_finished'), 'the run carries the correlation id');
});

s('listen: notified exactly once per run end, at once for an ended run, never after the stream closed', async () => {
  const client = await modern(srv.keys.admin, 'listener');
  const seen: Array<{ uri: string; sub: unknown }> = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push({ uri: n.params.uri, sub: n.params._meta?.['io.modelcontextprotocol/subscriptionId'] }));
  const started = await srv.engine.runtime.start({ name: 'gate' });
  const uri = `dagu://runs/gate/${started.dagRunId}`;
  const sub = await client.listen({ resourceSubscriptions: [uri] });
  assert.equal(sub.honoredFilter.resourceSubscriptions, [uri]);
  assert.is(srv.mcp.listenCount(), 1);
  await until(() => seen.length > 0);
  await sleep(300);
  assert.is(seen.length, 1);
  assert.is(seen[0]!.uri, uri);
  assert.ok(seen[0]!.sub !== undefined, 'stamped with the subscription id');
  // A run that has already ended: notified at once on listen.
  const ended = await modern(srv.keys.admin, 'late-listener');
  const late: string[] = [];
  ended.setNotificationHandler('notifications/resources/updated', (n) => void late.push(n.params.uri));
  const sub2 = await ended.listen({ resourceSubscriptions: [uri] });
  await until(() => late.length > 0);
  assert.equal(late, [uri]);
  await sleep(100);
  assert.is(seen.length, 1, 'the first listener is not told again');
  await sub.close();
  await sub2.close();
  // After close: a run end on a closed stream is not delivered (the run ends only when stopped,
  // after the close, however slow the machine is).
  const next = await srv.engine.runtime.start({ name: 'slow' });
  const nextUri = `dagu://runs/slow/${next.dagRunId}`;
  const sub3 = await client.listen({ resourceSubscriptions: [nextUri] });
  await sub3.close();
  await until(() => srv.mcp.listenCount() === 0);
  await srv.engine.runtime.stop('slow', next.dagRunId);
  await srv.engine.runtime.waitForRun('slow', next.dagRunId, 10_000);
  await sleep(300);
  assert.is(seen.length, 1);
  await srv.audit.flush();
  const subs = await srv.audit.query({ action: 'mcp.resource.subscribe.succeeded', limit: 50 });
  assert.ok(subs.entries.some((e) => e.resource_id === `gate/${started.dagRunId}` && e.details.subscription_id !== undefined));
});

s('listen streams are bounded per credential; an unknown run is refused', async () => {
  const client = await modern(srv.keys.operator, 'bounded');
  const run = await srv.engine.runtime.start({ name: 'quick' });
  const uri = `dagu://runs/quick/${run.dagRunId}`;
  const a = await client.listen({ resourceSubscriptions: [uri] });
  const b = await client.listen({ resourceSubscriptions: [uri] });
  let refused: unknown;
  await client.listen({ resourceSubscriptions: [uri] }).catch((e: unknown) => (refused = e));
  assert.ok(refused, 'third listen refused');
  assert.match(String((refused as Error).message), 'Subscription limit');
  // Another credential still may.
  const other = await modern(srv.keys.viewer, 'other');
  const c = await other.listen({ resourceSubscriptions: [uri] });
  await Promise.all([a.close(), b.close(), c.close()]);
  let missing: unknown;
  await client.listen({ resourceSubscriptions: ['dagu://runs/quick/no-such-run'] }).catch((e: unknown) => (missing = e));
  assert.is((missing as { code?: number }).code, -32002);
});

s('Mcp-Method / Mcp-Name must match the body: mismatch is the spec error and audited as denied', async () => {
  const body = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'dagu_read', arguments: { target: 'references' }, _meta: envelope } };
  const ok = await rawModern(body, { 'mcp-method': 'tools/call', 'mcp-name': 'dagu_read' });
  assert.is(ok.status, 200);
  const okBody = (await ok.json()) as { result: Result };
  assert.not.ok(okBody.result.isError);
  for (const headers of [{ 'mcp-method': 'tools/list', 'mcp-name': 'dagu_read' }, { 'mcp-method': 'tools/call', 'mcp-name': 'dagu_change' }]) {
    const res = await rawModern(body, headers);
    assert.is(res.status, 400);
    const err = (await res.json()) as { error: { code: number } };
    assert.is(err.error.code, -32020);
  }
  await srv.audit.flush();
  const page = await srv.audit.query({ action: 'mcp.request.denied', limit: 50 });
  const denied = page.entries.filter((e) => e.details.denial_reason === 'header_mismatch');
  assert.ok(denied.length >= 2, `${denied.length} header_mismatch denials`);
  assert.is(denied[0]!.details.protocol_version, '2026-07-28');
});

s('traceparent from _meta (or the header) is recorded on the call and on the run it starts, and returned', async () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const body = { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'dagu_execute', arguments: { action: 'start', name: 'quick', wait: true, timeoutSec: 20 }, _meta: { ...envelope, traceparent } } };
  const res = await rawModern(body, { 'mcp-method': 'tools/call', 'mcp-name': 'dagu_execute' });
  assert.is(res.status, 200);
  const text = await res.text();
  const json = JSON.parse(text.includes('data:') ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).filter((l) => l.trim().startsWith('{')).pop()! : text) as { result: Result };
  assert.is(json.result._meta!.traceparent, traceparent);
  const correlationId = json.result._meta!['troupe/correlationId'] as string;
  await srv.audit.flush();
  const page = await srv.audit.query({ correlation_id: correlationId, limit: 50 });
  for (const action of ['mcp.tool_call.received', 'mcp.tool_call.succeeded', 'dag_execute', 'dag_run_finished']) {
    const e = page.entries.find((x) => x.action === action);
    assert.ok(e, action);
    assert.is(e!.details.traceparent, traceparent, action);
  }
  // An invalid traceparent is ignored, not recorded.
  const bad = await rawModern({ ...body, id: 9, params: { ...body.params, arguments: { target: 'references' }, name: 'dagu_read', _meta: { ...envelope, traceparent: 'garbage' } } }, { 'mcp-method': 'tools/call', 'mcp-name': 'dagu_read' });
  const badJson = (await bad.json()) as { result: Result };
  assert.is(badJson.result._meta!.traceparent, undefined);
});

s('in the 2025 era the traceparent header is recorded the same way', async () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${srv.keys.admin}` };
  const init = await fetch(srv.mcpUrl, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }) });
  const sid = init.headers.get('mcp-session-id')!;
  await init.text();
  const res = await fetch(srv.mcpUrl, {
    method: 'POST',
    headers: { ...h, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', traceparent },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'dagu_read', arguments: { target: 'references' } } }),
  });
  const data = (await res.text()).split('\n').filter((l) => l.startsWith('data:') && l.includes('{')).pop()!;
  const result = (JSON.parse(data.slice(5)) as { result: Result }).result;
  assert.is(result._meta!.traceparent, traceparent);
  await srv.audit.flush();
  const page = await srv.audit.query({ correlation_id: result._meta!['troupe/correlationId'] as string, limit: 10 });
  assert.ok(page.entries.length >= 2);
  assert.ok(page.entries.every((e) => e.details.traceparent === traceparent && e.session_id === sid));
  await fetch(srv.mcpUrl, { method: 'DELETE', headers: { authorization: h.authorization, 'mcp-session-id': sid } });
});

s('the 2025 era is unchanged beside it: an SDK 1.x client still gets a session', async () => {
  const { client, transport } = await srv.connect();
  assert.ok(transport.sessionId);
  assert.is((await client.listTools()).tools.length, 3);
  await transport.terminateSession();
});

s.run();
