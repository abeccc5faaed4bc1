import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { QUICK_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';

// The 2025-era server registers tools/call below SDK 1.x's Server override, which validated
// and copied every result; these tests hold the results to the SDK's own schemas instead,
// read raw off the wire (an SDK client would validate them itself and hide the difference).
const s = suite('mcp/server');
let srv: McpTestServer;
let headers: Record<string, string>;
let nextId = 1;

s.before(async () => {
  srv = await startMcpServer();
  srv.writeDag('hello', QUICK_DAG());
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${srv.keys.admin}` };
  const init = await fetch(srv.mcpUrl, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  await init.text();
  headers = { ...base, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
});
s.after(async () => {
  await srv.close();
});

/** Posts one request and returns the JSON-RPC response message from the SSE answer. */
async function rpc(method: string, params: unknown): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const res = await fetch(srv.mcpUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }) });
  const text = await res.text();
  const data = text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)) as { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } });
  const message = data.find((m) => m.id !== undefined);
  if (!message) throw new Error(`no response in ${res.status} ${text.slice(0, 200)}`);
  return message;
}

const strictlyValid = (result: unknown) => {
  const parsed = CallToolResultSchema.safeParse(result);
  assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
  // Nothing the schema would have dropped or changed: what was sent is what a client parses.
  assert.equal(parsed.data, result);
};

s('success and failure results of every tool pass CallToolResultSchema as sent', async () => {
  const calls: Array<[string, Record<string, unknown>]> = [
    ['dagu_read', { target: 'dags' }],
    ['dagu_read', { target: 'reference', name: 'tools' }],
    ['dagu_read', { uri: 'dagu://runs' }],
    ['dagu_read', { target: 'nope' }],
    ['dagu_read', { target: 'run', name: 'hello', dagRunId: 'missing' }],
    ['dagu_change', { action: 'validate', name: 'hello', spec: 'steps:\n  - name: a\n    run: echo a\n' }],
    ['dagu_change', { action: 'bogus' }],
    ['dagu_execute', { action: 'start', name: 'hello', wait: true, timeoutSec: 20 }],
    ['dagu_execute', { action: 'stop', name: 'hello', dagRunId: 'missing' }],
  ];
  let errors = 0;
  for (const [name, args] of calls) {
    const { result, error } = await rpc('tools/call', { name, arguments: args });
    assert.not.ok(error, `${name} ${JSON.stringify(args)}: ${error?.message}`);
    strictlyValid(result);
    if (result!.isError) errors++;
    else assert.ok((result!.content as Array<{ type: string }>).some((c) => c.type === 'resource_link') || name !== 'dagu_execute');
  }
  assert.ok(errors >= 4, `expected the bad inputs to fail, got ${errors} failures`);
});

s('a task-augmented call answers a handle that passes CreateTaskResultSchema', async () => {
  const { result, error } = await rpc('tools/call', { name: 'dagu_execute', arguments: { action: 'start', name: 'hello' }, task: { ttl: 60_000 } });
  assert.not.ok(error, error?.message);
  const parsed = CreateTaskResultSchema.safeParse(result);
  assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
  assert.is((result!.task as { status: string }).status, 'working');
});

s('a malformed tools/call request is still refused by the request schema, not run', async () => {
  const before = (await srv.audit.query({ action: 'mcp.tool_call.received' })).total;
  const { result, error } = await rpc('tools/call', { arguments: { target: 'dags' } });
  assert.not.ok(result);
  assert.ok(error);
  assert.ok(error!.code < 0);
  await srv.audit.flush();
  assert.is((await srv.audit.query({ action: 'mcp.tool_call.received' })).total, before);
});

s.run();
