import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { QUICK_DAG, SLOW_DAG, startMcpServer } from '../../_support/mcp-server.ts';
import type { McpTestServer } from '../../_support/mcp-server.ts';

const s = suite('mcp/tools/execute');
let srv: McpTestServer;
let client: Client;

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text?: string; uri?: string; name?: string; description?: string }>; _meta?: Record<string, string> };
const exec = async (args: unknown, c: Client = client) => (await c.callTool({ name: 'dagu_execute', arguments: args as Record<string, unknown> })) as unknown as Result;

s.before(async () => {
  srv = await startMcpServer();
  srv.writeDag('quick', QUICK_DAG());
  srv.writeDag('slow', SLOW_DAG);
  srv.writeDag('chain', 'type: chain\nsteps:\n  - name: a\n    run: echo a\n  - name: b\n    run: exit 3\n');
  ({ client } = await srv.connect());
});
s.after(async () => {
  await srv.close();
});

s('start with wait returns the terminal status, the sentence and two links', async () => {
  const r = await exec({ action: 'start', name: 'quick', wait: true, timeoutSec: 30 });
  assert.not.ok(r.isError, JSON.stringify(r.structuredContent));
  const sc = r.structuredContent!;
  assert.is(r.content[0]!.text, 'Dagu execute action completed.');
  assert.equal([sc.action, sc.targetType, sc.dagName, sc.statusLabel, sc.timedOut], ['start', 'dag', 'quick', 'succeeded', false]);
  assert.is(sc.runUri, `dagu://runs/quick/${sc.dagRunId as string}`);
  assert.is(sc.logsUri, `${sc.runUri as string}/logs`);
  assert.is(sc.subscribe, undefined);
  const links = r.content.filter((c) => c.type === 'resource_link');
  assert.equal(links.map((l) => l.name), ['dag_run', 'dag_run_logs']);
});

s('one correlation id ties the tool entries, dag_execute and the run terminal entry together', async () => {
  const r = await exec({ action: 'start', name: 'quick', wait: true, timeoutSec: 30, params: '{"TOKEN":"s3cret"}' });
  const cid = r._meta!['troupe/correlationId']!;
  await srv.audit.flush();
  const page = await srv.audit.query({ correlation_id: cid, limit: 100 });
  const actions = page.entries.map((e) => e.action);
  for (const a of ['mcp.tool_call.received', 'mcp.tool_call.started', 'mcp.tool_call.succeeded', 'dag_execute', 'dag_run_finished']) assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
  const done = page.entries.find((e) => e.action === 'mcp.tool_call.succeeded')!;
  assert.is(done.mcp_tool, 'dagu_execute');
  assert.is(done.source, 'mcp');
  assert.is(done.details.dag_run_id, r.structuredContent!.dagRunId);
  assert.is(done.details.run_uri, r.structuredContent!.runUri);
  assert.is(done.details.client_name, 'troupe-test');
  assert.ok(typeof done.details.duration_ms === 'number');
  assert.ok(done.session_id || done.details.session_id);
  assert.not.ok(JSON.stringify(page.entries).includes('s3cret'), 'param values never reach the audit trail');
  // A second call gets its own id.
  const again = await exec({ action: 'enqueue', name: 'quick' });
  assert.is.not(again._meta!['troupe/correlationId'], cid);
});

s('a sub-DAG run: the audit trail of the MCP call covers the child; dagu_read run, dagu:// and REST show the tree', async () => {
  srv.writeDag('composed', 'steps:\n  - id: call\n    action: dag.run\n    with: { dag: kid }\n---\nname: kid\nsteps:\n  - run: echo kid\n');
  const r = await exec({ action: 'start', name: 'composed', wait: true, timeoutSec: 30 });
  assert.is(r.structuredContent!.statusLabel, 'succeeded', JSON.stringify(r.structuredContent));
  const cid = r._meta!['troupe/correlationId']!;
  const runId = r.structuredContent!.dagRunId as string;
  const read = async (args: Record<string, unknown>) => ((await client.callTool({ name: 'dagu_read', arguments: args })) as unknown as Result).structuredContent!.data as Record<string, any>;
  const parent = await read({ target: 'run', name: 'composed', dagRunId: runId });
  const sub = parent.steps[0].subRuns[0];
  assert.is(sub.name, 'kid');
  assert.is(sub.uri, `dagu://runs/kid/${sub.dagRunId}`);
  const child = await read({ target: 'run', name: 'kid', dagRunId: sub.dagRunId });
  assert.is(child.statusLabel, 'succeeded');
  assert.is(child.parentUri, `dagu://runs/composed/${runId}`);
  assert.is(child.rootUri, `dagu://runs/composed/${runId}`);
  const resource = await client.readResource({ uri: sub.uri });
  assert.match((resource.contents[0] as { text: string }).text, new RegExp(`"parentDAGRunId": *"${runId}"`));
  await srv.audit.flush();
  const entries = (await srv.audit.query({ correlation_id: cid, limit: 100 })).entries;
  const about = (name: string, action: string) => entries.some((e) => e.action === action && String(e.resource_id).startsWith(`${name}/`));
  for (const action of ['dag_execute', 'dag_run_started', 'dag_run_finished']) assert.ok(about('kid', action), `child ${action} under the call's correlation id`);
  const key = await srv.createKey('tree-reader', 'viewer', ['rest_api']);
  const rest = await fetch(`${srv.api}/dag-runs/composed/${runId}/sub-dag-runs`, { headers: { authorization: `Bearer ${key}` } });
  assert.is(rest.status, 200);
  const body = (await rest.json()) as { subDAGRuns: Array<{ name: string; dagRunId: string; parentStepName: string }> };
  assert.equal(body.subDAGRuns.map((x) => [x.name, x.dagRunId, x.parentStepName]), [['kid', sub.dagRunId, 'call']]);
  const one = await fetch(`${srv.api}/dag-runs/composed/${runId}/sub-dag-runs/${sub.dagRunId}`, { headers: { authorization: `Bearer ${key}` } });
  assert.is(((await one.json()) as { rootDAGRunId: string }).rootDAGRunId, runId);
  const missing = await fetch(`${srv.api}/dag-runs/composed/${runId}/sub-dag-runs/nope`, { headers: { authorization: `Bearer ${key}` } });
  assert.is(missing.status, 404);
});

s('stop a running run; retry a failed run from a step; Dagu error texts', async () => {
  const started = await exec({ action: 'start', name: 'slow' });
  const id = started.structuredContent!.dagRunId as string;
  assert.ok(started.structuredContent!.subscribe);
  await srv.engine.runtime.waitForRun('slow', id, 300);
  const stop = await exec({ action: 'stop', name: 'slow', dagRunId: id });
  assert.not.ok(stop.isError, JSON.stringify(stop.structuredContent));
  const ended = await srv.engine.runtime.waitForRun('slow', id, 10_000);
  assert.is(ended.details.statusLabel, 'aborted');
  const again = await exec({ action: 'stop', name: 'slow', dagRunId: id });
  assert.is(again.structuredContent!.code, 'conflict');

  const failed = await exec({ action: 'start', name: 'chain', wait: true, timeoutSec: 30 });
  assert.is(failed.structuredContent!.statusLabel, 'failed');
  const down = await exec({ action: 'retry', name: 'chain', dagRunId: failed.structuredContent!.dagRunId, includeDownstream: true });
  assert.is(down.structuredContent!.message, 'includeDownstream requires stepName');
  const retry = await exec({ action: 'retry', name: 'chain', dagRunId: failed.structuredContent!.dagRunId, stepName: 'b', wait: true, timeoutSec: 30 });
  assert.not.ok(retry.isError, JSON.stringify(retry.structuredContent));
  assert.is(retry.structuredContent!.statusLabel, 'failed');
  assert.is((await exec({ action: 'start', name: 'missing' })).structuredContent!.code, 'resource_not_found');
});

s('inline specs run under a name; roles: viewer denied, operator runs stored DAGs but not inline specs', async () => {
  const inline = await exec({ action: 'start', spec: 'name: adhoc\nsteps:\n  - name: x\n    run: echo x\n', wait: true, timeoutSec: 30 });
  assert.not.ok(inline.isError, JSON.stringify(inline.structuredContent));
  assert.equal([inline.structuredContent!.targetType, inline.structuredContent!.dagName, inline.structuredContent!.statusLabel], ['inline_spec', 'adhoc', 'succeeded']);
  const { client: viewer } = await srv.connect({ token: srv.keys.viewer });
  const v = await exec({ action: 'start', name: 'quick' }, viewer);
  assert.is(v.structuredContent!.code, 'unauthorized');
  const { client: op } = await srv.connect({ token: srv.keys.operator });
  assert.not.ok((await exec({ action: 'enqueue', name: 'quick' }, op)).isError);
  assert.is((await exec({ action: 'start', spec: 'name: op-inline\n' + QUICK_DAG() }, op)).structuredContent!.code, 'unauthorized');
});

s('singleton refuses a second run of a running DAG', async () => {
  const first = await exec({ action: 'start', name: 'slow' });
  const second = await exec({ action: 'start', name: 'slow', singleton: true });
  assert.is(second.structuredContent!.code, 'conflict');
  await exec({ action: 'stop', name: 'slow', dagRunId: first.structuredContent!.dagRunId });
  await srv.engine.runtime.waitForRun('slow', first.structuredContent!.dagRunId as string, 10_000);
});

s('nothing runs when the audit trail cannot write', async () => {
  const before = (await srv.engine.runtime.listRuns({ name: 'quick' })).items.length;
  srv.breakAudit(true);
  try {
    const r = await exec({ action: 'start', name: 'quick' });
    assert.is(r.structuredContent!.code, 'resource_unavailable');
  } finally {
    srv.breakAudit(false);
  }
  assert.is((await srv.engine.runtime.listRuns({ name: 'quick' })).items.length, before);
});

s.run();
