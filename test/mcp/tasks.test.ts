import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallToolResultSchema, CreateTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { QUICK_DAG, SLOW_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';

// MCP Tasks (2025-11-25 tasks/*) for dagu_execute start/enqueue, with the SDK 1.x client.
const s = suite('mcp/tasks');
let srv: McpTestServer;
let client: Client;

const asTask = (name: string, args: Record<string, unknown>, c: Client = client) =>
  c.request({ method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } }, CreateTaskResultSchema);

s.before(async () => {
  srv = await startMcpServer();
  srv.writeDag('quick', QUICK_DAG());
  srv.writeDag('broken', 'steps:\n  - name: fail\n    run: exit 3\n');
  srv.writeDag('slow', SLOW_DAG);
  ({ client } = await srv.connect());
});
s.after(async () => {
  await srv.close();
});

s('tools/list marks dagu_execute as task-capable and the server declares tasks', async () => {
  const tool = (await client.listTools()).tools.find((t) => t.name === 'dagu_execute')!;
  assert.is(tool.execution?.taskSupport, 'optional');
  assert.ok(client.getServerCapabilities()?.tasks?.requests?.tools?.call);
});

s('start as a task returns at once with a working task that completes with the run', async () => {
  const created = await asTask('dagu_execute', { action: 'start', name: 'quick' });
  assert.is(created.task.status, 'working');
  const result = await client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
  const out = result.structuredContent as { statusLabel: string; dagRunId: string };
  assert.is(out.statusLabel, 'succeeded');
  assert.not.ok(result.isError);
  const task = await client.experimental.tasks.getTask(created.task.taskId);
  assert.is(task.status, 'completed');
  const run = await srv.engine.runtime.getRun('quick', out.dagRunId);
  assert.is(run?.statusLabel, 'succeeded');
  // The task carries the call's correlation id into the audit trail.
  const correlationId = (result._meta as Record<string, string>)['troupe/correlationId']!;
  await srv.audit.flush();
  const page = await srv.audit.query({ correlation_id: correlationId, limit: 50 });
  assert.ok(page.entries.some((e) => e.action === 'dag_run_finished'));
});

s('a failing run fails its task; enqueue works as a task too', async () => {
  const created = await asTask('dagu_execute', { action: 'enqueue', name: 'broken' });
  const result = await client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
  assert.ok(result.isError);
  assert.is((result.structuredContent as { statusLabel: string }).statusLabel, 'failed');
  assert.is((await client.experimental.tasks.getTask(created.task.taskId)).status, 'failed');
});

s('cancelling the task stops the run', async () => {
  const created = await asTask('dagu_execute', { action: 'start', name: 'slow' });
  const taskId = created.task.taskId;
  const runs = await srv.engine.runtime.listRuns({ name: 'slow' });
  const dagRunId = runs.items[0]!.dagRunId;
  await client.experimental.tasks.cancelTask(taskId);
  const { details, timedOut } = await srv.engine.runtime.waitForRun('slow', dagRunId, 15_000);
  assert.not.ok(timedOut);
  assert.is(details.statusLabel, 'aborted');
  assert.is((await client.experimental.tasks.getTask(taskId)).status, 'cancelled');
  const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
  assert.is((result.structuredContent as { statusLabel: string }).statusLabel, 'aborted');
  await srv.audit.flush();
  const page = await srv.audit.query({ action: 'mcp.task.cancelled', limit: 10 });
  assert.ok(page.entries.some((e) => e.resource_id === `slow/${dagRunId}`));
});

s('only start/enqueue run as tasks; a task is its credential\'s: another session of it sees the task, another credential does not', async () => {
  let err: unknown;
  await asTask('dagu_read', { target: 'references' }).catch((e: unknown) => (err = e));
  assert.ok(err instanceof McpError);
  const created = await asTask('dagu_execute', { action: 'start', name: 'quick' });
  const { client: sameCredential } = await srv.connect();
  assert.is((await sameCredential.experimental.tasks.getTask(created.task.taskId)).taskId, created.task.taskId);
  const { client: other } = await srv.connect({ token: srv.keys.operator });
  let hidden: unknown;
  await other.experimental.tasks.getTask(created.task.taskId).catch((e: unknown) => (hidden = e));
  assert.ok(hidden instanceof McpError);
  assert.match((hidden as McpError).message, /not found/i);
  assert.not.ok((await other.experimental.tasks.listTasks()).tasks.some((t) => t.taskId === created.task.taskId));
  let cancelled: unknown;
  await other.experimental.tasks.cancelTask(created.task.taskId).catch((e: unknown) => (cancelled = e));
  assert.ok(cancelled instanceof McpError);
  await client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
  assert.ok((await client.experimental.tasks.listTasks()).tasks.some((t) => t.taskId === created.task.taskId));
});

s.run();
