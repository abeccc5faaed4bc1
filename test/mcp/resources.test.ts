import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { QUICK_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';

const s = suite('mcp/resources');
let srv: McpTestServer;
let client: Client;

s.before(async () => {
  srv = await startMcpServer();
  srv.writeDag('demo', QUICK_DAG());
  ({ client } = await srv.connect());
});
s.after(async () => {
  await srv.close();
});

async function code(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as McpError).code;
  }
  return undefined;
}

s('resources/list has the six reference topics as text/markdown (case 2)', async () => {
  const list = await client.listResources();
  assert.equal(list.resources.map((r) => r.uri), ['authoring', 'tools', 'notifications', 'read-tool', 'change-tool', 'execute-tool'].map((t) => `dagu://reference/${t}`));
  assert.ok(list.resources.every((r) => r.mimeType === 'text/markdown' && r.name && r.description));
  const read = await client.readResource({ uri: 'dagu://reference/tools' });
  assert.is(read.contents.length, 1);
  const c = read.contents[0] as { uri: string; mimeType: string; text: string };
  assert.equal([c.uri, c.mimeType], ['dagu://reference/tools', 'text/markdown']);
  for (const word of ['# Dagu MCP tools', 'dagu_read', 'dagu_change', 'dagu_execute', 'retry', 'stop']) assert.ok(c.text.includes(word), word);
});

s('templates list spec, run, logs and step-log URIs', async () => {
  const t = await client.listResourceTemplates();
  assert.equal(t.resourceTemplates.map((r) => r.name), ['dag_spec', 'dag_run', 'dag_run_logs', 'dag_run_step_log']);
});

s('reads a spec as YAML and a run as pretty JSON; audits the reads', async () => {
  const spec = await client.readResource({ uri: 'dagu://dags/demo/spec' });
  assert.is((spec.contents[0] as { text: string }).text, QUICK_DAG());
  assert.is(spec.contents[0]!.mimeType, 'application/yaml');
  const run = await srv.engine.runtime.start({ name: 'demo' });
  await srv.engine.runtime.waitForRun('demo', run.dagRunId, 10_000);
  const r = await client.readResource({ uri: `dagu://runs/demo/${run.dagRunId}` });
  const text = (r.contents[0] as { text: string }).text;
  assert.ok(text.startsWith('{\n  "dagRunDetails": {'));
  assert.is((JSON.parse(text) as { dagRunDetails: { statusLabel: string } }).dagRunDetails.statusLabel, 'succeeded');
  await srv.audit.flush();
  const page = await srv.audit.query({ action: 'mcp.resource.read.succeeded', resource_type: 'dag_run' });
  assert.is(page.entries[0]?.resource_id, `demo/${run.dagRunId}`);
});

s('unknown resources answer -32002; a query on a step-log URI is refused (cases 19, 21)', async () => {
  assert.is(await code(client.readResource({ uri: 'dagu://reference/missing' })), -32002);
  assert.is(await code(client.readResource({ uri: 'dagu://dags/none/spec' })), -32002);
  assert.is(await code(client.readResource({ uri: 'dagu://queues' })), -32002);
  assert.is(await code(client.readResource({ uri: 'dagu://runs/demo%20dag/run%2F1/steps/build%2Foutput/logs?tail=100' })), -32602);
  await srv.audit.flush();
  assert.ok((await srv.audit.query({ action: 'mcp.resource.read.failed' })).total >= 3);
});

s('prompts: three, each with a description; dagu_create_dag mentions preview (case 3)', async () => {
  const list = await client.listPrompts();
  assert.equal(list.prompts.map((p) => p.name), ['dagu_create_dag', 'dagu_edit_dag', 'dagu_debug_failed_run']);
  assert.ok(list.prompts.every((p) => p.description && p.arguments?.every((a) => a.required)));
  const got = await client.getPrompt({ name: 'dagu_create_dag', arguments: { goal: 'print hello' } });
  assert.is(got.messages.length, 1);
  const text = (got.messages[0]!.content as { text: string }).text;
  assert.ok(text.includes('mode=preview') && text.includes('dagu_change') && text.includes('print hello'));
  const debug = await client.getPrompt({ name: 'dagu_debug_failed_run', arguments: { name: 'demo dag', dagRunId: 'r/1' } });
  assert.ok((debug.messages[0]!.content as { text: string }).text.includes('dagu://runs/demo%20dag/r%2F1/logs'));
  assert.is(await code(client.getPrompt({ name: 'nope' })), -32602);
});

s('an unknown tool is a protocol error, not a tool result', async () => {
  assert.is(await code(client.callTool({ name: 'nope', arguments: {} })), -32602);
});

s.run();
