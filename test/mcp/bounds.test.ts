import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { QUICK_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';

// Hard bounds a hostile client runs into, against the real server (SDK 1.x clients, 2025 era).
const s = suite('mcp/bounds');
let srv: McpTestServer;
let client: Client;
let sessionId: string;

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text?: string }> };
const call = async (name: string, args: unknown) => (await client.callTool({ name, arguments: args as Record<string, unknown> })) as unknown as Result;
const headers = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${srv.keys.admin}`,
  ...extra,
});

s.before(async () => {
  srv = await startMcpServer({ configure: (c) => void ((c.maxBodyBytes = 1024 * 1024), (c.mcp.replayBufferBytes = 256 * 1024)) });
  // A DAG whose spec is 200 KB: every read of it returns that much.
  srv.writeDag('big', `${QUICK_DAG()}# ${'x'.repeat(200 * 1024)}\n`);
  const c = await srv.connect();
  client = c.client;
  sessionId = c.transport.sessionId!;
});
s.after(async () => {
  await srv.close();
});

s('the replay buffer is bounded in bytes while a client repeats large reads', async () => {
  for (let i = 0; i < 30; i++) {
    const r = await call('dagu_read', { target: 'dag_spec', name: 'big' });
    assert.not.ok(r.isError);
  }
  // 30 reads of ~400 KB of JSON each (spec + text copy) were sent; the session keeps at most its budget.
  const held = srv.mcp.replayBytes();
  assert.ok(held <= 256 * 1024, `replay buffer holds ${held} bytes`);
  // And the session still works and still replays small messages.
  assert.is((await client.listTools()).tools.length, 3);
  assert.ok(srv.mcp.replayBytes() > 0);
});

/** A full garbage collection (the flag is set at run time, so the test needs no node option). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

s('memory stays under 64 MB of growth while a viewer session repeats reads of a 3.5 MB spec', async () => {
  // The hostile client of the issue: one viewer session, many reads of a multi-megabyte spec.
  // Without a byte bound its replay buffer kept every answer (~7 MB each: spec + text copy).
  srv.writeDag('huge', `${QUICK_DAG()}# ${'y'.repeat(3.5 * 1024 * 1024)}\n`);
  const viewer = await srv.connect({ token: srv.keys.viewer, name: 'hostile-viewer' });
  const read = async () => (await viewer.client.callTool({ name: 'dagu_read', arguments: { target: 'dag_spec', name: 'huge' } })) as unknown as Result;
  assert.not.ok((await read()).isError);
  collect();
  const before = process.memoryUsage().heapUsed;
  const reads = 20;
  for (let i = 0; i < reads; i++) assert.not.ok((await read()).isError);
  collect();
  const grown = process.memoryUsage().heapUsed - before;
  // 20 reads moved ~140 MB of JSON through the session; what stays is the bounded buffer.
  assert.ok(grown < 64 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MB over ${reads} reads`);
  assert.ok(srv.mcp.replayBytes() <= 2 * 256 * 1024, `replay buffers hold ${srv.mcp.replayBytes()} bytes`);
});

/** POSTs `chunks` with Transfer-Encoding: chunked (no Content-Length) and resolves with the status and body. */
function postChunked(url: string, hdrs: Record<string, string>, chunks: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: 'POST', headers: hdrs, agent: false }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The server may answer and close before the client has written everything.
    req.on('error', (e: NodeJS.ErrnoException) => (answered && (e.code === 'EPIPE' || e.code === 'ECONNRESET') ? undefined : reject(e)));
    req.write('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"pad":"');
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let i = 0;
    const pump = () => {
      while (i < chunks) {
        i++;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end('"}}}');
    };
    pump();
  });
}

s('a chunked body over max_body_bytes is refused with 413, with or without a session', async () => {
  for (const extra of [{}, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }] as Array<Record<string, string>>) {
    // 2 MB under a 1 MB limit, sent without Content-Length.
    const res = await postChunked(srv.mcpUrl, headers(extra), 32);
    assert.is(res.status, 413);
    assert.is((JSON.parse(res.body) as { error: { code: number } }).error.code, -32000);
  }
  // A chunked body under the limit is still served.
  const ok = await postChunked(srv.mcpUrl, headers({ 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }), 2);
  assert.is(ok.status, 200);
});

s('an empty JSON-RPC batch is an Invalid Request (-32600)', async () => {
  for (const extra of [{}, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }] as Array<Record<string, string>>) {
    const res = await fetch(srv.mcpUrl, { method: 'POST', headers: headers(extra), body: '[]' });
    assert.is(res.status, 400);
    const body = (await res.json()) as { error: { code: number }; id: unknown };
    assert.is(body.error.code, -32600);
    assert.is(body.id, null);
  }
});

s('an invalid argument is echoed at most once and cut to a few hundred bytes', async () => {
  const hugeUri = `dagu://dags/${'a'.repeat(100_000)}/nope`;
  const r = await call('dagu_read', { uri: hugeUri });
  assert.ok(r.isError);
  const wire = JSON.stringify(r);
  assert.ok(wire.length < 2048, `error result is ${wire.length} bytes`);
  const echoed = r.structuredContent!.uri as string;
  assert.ok(echoed.length <= 256);
  assert.ok(hugeUri.startsWith(echoed.slice(0, -1)));
  // One echo: the text items carry the message and the code, not the value again.
  assert.is(wire.split('aaaaaaaaaa').length - 1 <= Math.ceil(256 / 10) + 1, true);
  const hugeKey = await call('dagu_read', { target: 'reference', ['k'.repeat(50_000)]: 'v' });
  assert.ok(hugeKey.isError);
  assert.ok(JSON.stringify(hugeKey).length < 2048);
  assert.is(hugeKey.structuredContent!.code, 'invalid_tool_input');
  const spec = await call('dagu_change', { name: 'x'.repeat(10_000), spec: 'steps: [' });
  assert.ok(JSON.stringify(spec).length < 4096, `change error is ${JSON.stringify(spec).length} bytes`);
});

s('a session id presented by another subject is 404 and audited as mcp.request.denied', async () => {
  const res = await fetch(srv.mcpUrl, {
    method: 'POST',
    headers: { ...headers({ 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }), authorization: `Bearer ${srv.keys.viewer}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }),
  });
  assert.is(res.status, 404);
  await srv.audit.flush();
  const page = await srv.audit.query({ action: 'mcp.request.denied', limit: 50 });
  const entry = page.entries.find((e) => e.details.denial_reason === 'session_subject_mismatch');
  assert.ok(entry, 'a denied entry with the reason');
  assert.is(entry!.result, 'denied');
  assert.is(entry!.resource_type, 'mcp_request');
  assert.ok(entry!.credential_id, 'attributed to the presenting credential');
  // The owner's session is untouched.
  assert.is((await client.listTools()).tools.length, 3);
});

s('dagu_read URI mode names the forbidden field; malformed percent-encoding is refused', async () => {
  assert.is((await call('dagu_read', { uri: 'dagu://reference/tools', target: 'reference' })).structuredContent!.field, 'target');
  assert.is((await call('dagu_read', { uri: 'dagu://runs/a/b', name: 'a' })).structuredContent!.field, 'name');
  assert.is((await call('dagu_read', { uri: 'dagu://runs', query: 'limit=1' })).structuredContent!.field, 'query');
  const q = await call('dagu_read', { target: 'runs', query: 'name=%zz' });
  assert.is(q.structuredContent!.code, 'invalid_tool_input');
  assert.is(q.structuredContent!.field, 'query');
  assert.is((await call('dagu_read', { target: 'dags', query: 'name=%C3%28' })).structuredContent!.code, 'invalid_tool_input');
  for (const uri of ['dagu://runs?name=%zz', 'dagu://dags?name=%E0%A4%A']) {
    const u = await call('dagu_read', { uri });
    assert.is(u.structuredContent!.code, 'invalid_resource_uri', uri);
  }
  // Well-formed encoding still works.
  assert.not.ok((await call('dagu_read', { target: 'dags', query: 'name=b%69g' })).isError);
});

s.run();
