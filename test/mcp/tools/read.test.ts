import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { QUICK_DAG, startMcpServer } from '../../_support/mcp-server.ts';
import type { McpTestServer } from '../../_support/mcp-server.ts';

const s = suite('mcp/tools/read');
let srv: McpTestServer;
let client: Client;
let runId: string;

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text?: string; uri?: string; name?: string; mimeType?: string }> };
const read = async (args: unknown, c: Client = client) => (await c.callTool({ name: 'dagu_read', arguments: args as Record<string, unknown> })) as unknown as Result;

s.before(async () => {
  srv = await startMcpServer();
  srv.writeDag('hello', QUICK_DAG());
  srv.writeDag('mcp.read-contract', QUICK_DAG());
  srv.writeDag('secret', QUICK_DAG('workspace=team-b'));
  ({ client } = await srv.connect());
  const started = (await client.callTool({ name: 'dagu_execute', arguments: { action: 'start', name: 'hello', wait: true, timeoutSec: 20 } })) as unknown as Result;
  runId = started.structuredContent!.dagRunId as string;
});
s.after(async () => {
  await srv.close();
});

s('tool identity: read-only, closed-world, no required fields (case 25)', async () => {
  const tool = (await client.listTools()).tools.find((t) => t.name === 'dagu_read')!;
  assert.is(tool.annotations?.readOnlyHint, true);
  assert.is(tool.annotations?.openWorldHint, false);
  assert.not.ok(tool.annotations?.destructiveHint);
  assert.is((tool.inputSchema as { additionalProperties?: boolean }).additionalProperties, false);
  assert.is((tool.inputSchema as { required?: string[] }).required, undefined);
});

s('reference target: the sentence, the link, structured content and the JSON text last', async () => {
  const r = await read({ target: 'reference', name: 'tools' });
  assert.not.ok(r.isError);
  assert.is(r.content[0]!.text, 'Dagu read completed.');
  // Dagu's order: the sentence, the link (content[1]); Troupe's JSON text copy comes last.
  assert.is(r.content[1]!.type, 'resource_link');
  assert.is(r.content.length, 3);
  assert.equal(JSON.parse(r.content[2]!.text!), r.structuredContent);
  assert.is(r.structuredContent!.uri, 'dagu://reference/tools');
  assert.ok(((r.structuredContent!.data as { text: string }).text).includes('# Dagu MCP tools'));
  assert.equal(r.structuredContent!.references, ['dagu://reference/authoring', 'dagu://reference/tools', 'dagu://reference/notifications']);
  const link = r.content.find((c) => c.type === 'resource_link')!;
  assert.equal([link.uri, link.name, link.mimeType], ['dagu://reference/tools', 'dagu_reference', 'text/markdown']);
  const meta = (r as unknown as { _meta: Record<string, string> })._meta;
  assert.ok(meta['troupe/correlationId']);
});

s('dags: each carries its next scheduled start; sort=nextRun puts the soonest first (issue 15)', async () => {
  srv.writeDag('z-hourly', 'schedule: "0 * * * *"\n' + QUICK_DAG());
  srv.writeDag('y-yearly', 'schedule: "0 0 1 1 *"\n' + QUICK_DAG());
  try {
    const r = await read({ target: 'dags', query: 'sort=nextRun' });
    const items = (r.structuredContent!.data as { items: Array<{ name: string; nextRun: string | null }> }).items;
    assert.equal(items.map((i) => i.name), ['z-hourly', 'y-yearly', 'hello', 'mcp.read-contract', 'secret']);
    assert.match(items[0]!.nextRun!, /^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
    assert.ok(Date.parse(items[0]!.nextRun!) > Date.now());
    assert.is(items[2]!.nextRun, null);
    const desc = await read({ target: 'dags', query: 'sort=nextRun&order=desc' });
    assert.equal((desc.structuredContent!.data as { items: Array<{ name: string }> }).items.map((i) => i.name)[4], 'z-hourly');
  } finally {
    for (const n of ['z-hourly', 'y-yearly']) rmSync(join(srv.config.dagsDir, `${n}.yaml`), { force: true });
  }
});

s('dags, dag, dag_spec, runs, run, run_logs, step_log all read (admin)', async () => {
  const dags = await read({ target: 'dags' });
  const names = (dags.structuredContent!.data as { items: Array<{ name: string }> }).items.map((i) => i.name);
  assert.equal(names, ['hello', 'mcp.read-contract', 'secret']);
  const dag = await read({ target: 'dag', name: 'hello' });
  assert.is(dag.structuredContent!.uri, undefined);
  assert.is((dag.structuredContent!.data as { specUri: string }).specUri, 'dagu://dags/hello/spec');
  const spec = await read({ target: 'dag_spec', name: 'mcp.read-contract' });
  assert.is(spec.structuredContent!.uri, 'dagu://dags/mcp.read-contract/spec');
  assert.is((spec.structuredContent!.data as { spec: string }).spec, QUICK_DAG());
  const runs = await read({ target: 'runs', query: 'name=hello&status=4' });
  assert.is((runs.structuredContent!.data as { items: unknown[] }).items.length, 1);
  const run = await read({ target: 'run', name: 'hello', dagRunId: runId });
  assert.is((run.structuredContent!.data as { statusLabel: string }).statusLabel, 'succeeded');
  const latest = await read({ target: 'run', name: 'hello', dagRunId: 'latest' });
  assert.is((latest.structuredContent!.data as { dagRunId: string }).dagRunId, runId);
  const logs = await read({ uri: `dagu://runs/hello/${runId}/logs?tail=200` });
  assert.ok(Array.isArray((logs.structuredContent!.data as { stepLogs: unknown[] }).stepLogs));
  const step = await read({ target: 'step_log', name: 'hello', dagRunId: runId, stepName: 'hello' });
  assert.match((step.structuredContent!.data as { stdoutContent: string }).stdoutContent, 'hello');
  assert.is(step.structuredContent!.uri, `dagu://runs/hello/${runId}/steps/hello/logs`);
});

s('not found: reference echoes uri, dag has none, run has its canonical uri (case 22)', async () => {
  const ref = await read({ target: 'reference', name: 'missing' });
  assert.is(ref.isError, true);
  assert.is(ref.structuredContent!.code, 'resource_not_found');
  assert.is(ref.structuredContent!.uri, 'dagu://reference/missing');
  const dag = await read({ target: 'dag', name: 'missing-dag' });
  assert.is(dag.structuredContent!.code, 'resource_not_found');
  assert.is(dag.structuredContent!.uri, undefined);
  const run = await read({ uri: 'dagu://runs/hello/nope' });
  assert.is(run.structuredContent!.uri, 'dagu://runs/hello/nope');
  const step = await read({ target: 'step_log', name: 'hello', dagRunId: runId, stepName: 'nope' });
  assert.is(step.structuredContent!.code, 'resource_not_found');
});

s('input errors come back as isError with the structured object', async () => {
  const r = await read({ target: 123 });
  assert.is(r.isError, true);
  assert.equal(r.structuredContent, { code: 'invalid_tool_input', message: 'Field target must be a string.', field: 'target' });
  assert.is((await read({ uri: 'dagu://queues' })).structuredContent!.code, 'unsupported_resource');
});

s('a workspace-scoped key sees only its workspace; others read as not found', async () => {
  const scoped = await srv.createKey('scoped', 'viewer', ['mcp'], { all: false, grants: [{ workspace: 'team-b', role: 'viewer' }] });
  const { client: c } = await srv.connect({ token: scoped });
  const dags = await read({ target: 'dags' }, c);
  assert.equal((dags.structuredContent!.data as { items: Array<{ name: string }> }).items.map((i) => i.name), ['secret']);
  const hidden = await read({ target: 'dag_spec', name: 'hello' }, c);
  assert.is(hidden.structuredContent!.code, 'resource_not_found');
  const hiddenRun = await read({ target: 'run', name: 'hello', dagRunId: runId }, c);
  assert.is(hiddenRun.structuredContent!.code, 'resource_not_found');
});

s('reading does not change the DAG list', async () => {
  const before = await srv.engine.runtime.listDags();
  await read({ target: 'dags' });
  await read({ target: 'references' });
  assert.is((await srv.engine.runtime.listDags()).length, before.length);
});

s.run();
