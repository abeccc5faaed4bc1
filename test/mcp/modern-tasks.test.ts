import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as z from 'zod';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { QUICK_DAG, SLOW_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';

// MCP Tasks in the 2026-07-28 era: the Tasks extension (io.modelcontextprotocol/tasks), with
// the real SDK 2.x client declaring the extension in its per-request capabilities.
const s = suite('mcp/modern-tasks');
let srv: McpTestServer;
const EXT = 'io.modelcontextprotocol/tasks';
const clients: Client[] = [];

async function modern(options: { tasks?: boolean; token?: string } = {}): Promise<Client> {
  const capabilities = options.tasks === false ? {} : { extensions: { [EXT]: {} } };
  const client = new Client({ name: 'modern-tasks-test', version: '2.0.0' }, { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  const transport = new StreamableHTTPClientTransport(new URL(srv.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${options.token ?? srv.keys.admin}` } } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const TaskShape = z.looseObject({
  // The SDK 2.x client lifts `resultType` off the results it decodes; raw answers carry it.
  resultType: z.string().optional(),
  taskId: z.string(),
  status: z.string(),
  statusMessage: z.string().optional(),
  createdAt: z.string(),
  lastUpdatedAt: z.string(),
  ttlMs: z.number().nullable(),
  pollIntervalMs: z.number().optional(),
  result: z.looseObject({ isError: z.boolean().optional(), structuredContent: z.record(z.string(), z.unknown()).optional(), _meta: z.record(z.string(), z.unknown()).optional() }).optional(),
});
type WireTask = z.infer<typeof TaskShape>;

let rawId = 0;
const ENVELOPE = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw-tasks', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': { extensions: { [EXT]: {} } } };

/** One 2026-07-28 request as its wire bytes (envelope in `_meta`, `Mcp-Method`/`Mcp-Name` headers). */
async function raw(method: string, params: Record<string, unknown>, mcpName: string, token = srv.keys.admin): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const res = await fetch(srv.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, 'mcp-name': mcpName },
    body: JSON.stringify({ jsonrpc: '2.0', id: `raw-${++rawId}`, method, params: { ...params, _meta: ENVELOPE } }),
  });
  return (await res.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
}

/**
 * `tools/call` of dagu_execute from a client that declares the extension, sent as its wire
 * bytes: SDK 2.4's client has no runtime for the extension and refuses a `resultType: "task"`
 * answer, so only the creating call bypasses it (tasks/get and tasks/cancel go through it).
 */
async function callAsTask(args: Record<string, unknown>): Promise<WireTask> {
  const body = await raw('tools/call', { name: 'dagu_execute', arguments: args }, 'dagu_execute');
  assert.ok(body.result, `a result (got ${JSON.stringify(body.error)})`);
  return TaskShape.parse(body.result);
}

const getTask = (c: Client, taskId: string) => c.request({ method: 'tasks/get', params: { taskId } }, TaskShape) as Promise<WireTask>;
const cancelTask = (c: Client, taskId: string) => c.request({ method: 'tasks/cancel', params: { taskId } }, z.looseObject({}));

/** Polls `tasks/get` (as a client of the extension does) until the task is terminal. */
async function settle(c: Client, taskId: string, ms = 20_000): Promise<WireTask> {
  const end = Date.now() + ms;
  for (;;) {
    const t = await getTask(c, taskId);
    if (t.status !== 'working') return t;
    if (Date.now() > end) throw new Error(`task ${taskId} still working after ${ms} ms`);
    await new Promise((r) => setTimeout(r, Math.min(t.pollIntervalMs ?? 100, 100)));
  }
}

s.before(async () => {
  srv = await startMcpServer();
  srv.writeDag('quick', QUICK_DAG());
  srv.writeDag('broken', 'steps:\n  - name: fail\n    run: exit 3\n');
  srv.writeDag('slow', SLOW_DAG);
});
s.after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await srv.close();
});

s('server/discover declares the Tasks extension', async () => {
  const client = await modern();
  assert.equal(client.getServerCapabilities()?.extensions?.[EXT], {});
});

s('start from a declaring client returns a task at once; tasks/get inlines the run result when it ends', async () => {
  const client = await modern();
  const created = await callAsTask({ action: 'start', name: 'quick' });
  assert.is(created.resultType, 'task');
  assert.is(created.status, 'working');
  assert.ok(created.ttlMs !== null && created.ttlMs > 0);
  assert.type(created.pollIntervalMs, 'number');
  const done = await settle(client, created.taskId);
  assert.is(done.status, 'completed');
  // On the wire, tasks/get is a `complete` result; Mcp-Name must name the task.
  const wired = await raw('tasks/get', { taskId: created.taskId }, created.taskId);
  assert.is(wired.result?.resultType, 'complete');
  assert.is(wired.result?.status, 'completed');
  const misnamed = await raw('tasks/get', { taskId: created.taskId }, 'another-task');
  assert.is(misnamed.error?.code, -32020);
  assert.not.ok(done.result!.isError);
  const out = done.result!.structuredContent as { statusLabel: string; dagRunId: string };
  assert.is(out.statusLabel, 'succeeded');
  assert.is((await srv.engine.runtime.getRun('quick', out.dagRunId))?.statusLabel, 'succeeded');
  // The call's correlation id reaches the run's audit entries.
  const correlationId = done.result!._meta!['troupe/correlationId'] as string;
  await srv.audit.flush();
  const page = await srv.audit.query({ correlation_id: correlationId, limit: 50 });
  assert.ok(page.entries.some((e) => e.action === 'dag_run_finished'));
  assert.ok(page.entries.some((e) => e.action === 'mcp.tool_call.succeeded' && e.details.protocol_version === '2026-07-28'));
});

s('a failing run is a completed task whose result is the tool error; enqueue works as a task too', async () => {
  const client = await modern();
  const created = await callAsTask({ action: 'enqueue', name: 'broken' });
  assert.is(created.resultType, 'task');
  const done = await settle(client, created.taskId);
  // The extension keeps `failed` for JSON-RPC errors; a failed run is a tool result with isError.
  assert.is(done.status, 'completed');
  assert.is(done.result!.isError, true);
  assert.is((done.result!.structuredContent as { statusLabel: string }).statusLabel, 'failed');
});

s('tasks/cancel stops the run and the task ends cancelled', async () => {
  const client = await modern();
  const created = await callAsTask({ action: 'start', name: 'slow' });
  const runs = await srv.engine.runtime.listRuns({ name: 'slow' });
  const dagRunId = runs.items[0]!.dagRunId;
  const ack = await cancelTask(client, created.taskId);
  assert.equal(Object.keys(ack).filter((k) => k !== '_meta'), [], 'an empty acknowledgement');
  const { details, timedOut } = await srv.engine.runtime.waitForRun('slow', dagRunId, 15_000);
  assert.not.ok(timedOut);
  assert.is(details.statusLabel, 'aborted');
  const task = await getTask(client, created.taskId);
  assert.is(task.status, 'cancelled');
  assert.is(task.result, undefined);
  await srv.audit.flush();
  const page = await srv.audit.query({ action: 'mcp.task.cancelled', limit: 10 });
  const entry = page.entries.find((e) => e.resource_id === `slow/${dagRunId}`);
  assert.ok(entry, 'cancel audited');
  assert.is(entry!.details.protocol_version, '2026-07-28');
});

s('without the extension a start is a plain result; task methods need the capability; other credentials cannot see a task', async () => {
  const plain = await modern({ tasks: false });
  const res = (await plain.callTool({ name: 'dagu_execute', arguments: { action: 'start', name: 'quick', wait: true, timeoutSec: 20 } })) as { structuredContent?: { statusLabel?: string } };
  assert.is(res.structuredContent?.statusLabel, 'succeeded');
  const client = await modern();
  // Only start/enqueue become tasks: a read is answered directly.
  const read = (await client.callTool({ name: 'dagu_read', arguments: { target: 'reference', name: 'tools' } })) as { resultType?: string; isError?: boolean };
  assert.not.ok(read.isError);
  const created = await callAsTask({ action: 'start', name: 'quick' });
  let missing: unknown;
  await getTask(plain, created.taskId).catch((e: unknown) => (missing = e));
  assert.is((missing as { code?: number })?.code, -32021, 'a client without the extension gets Missing required client capability');
  const other = await modern({ token: srv.keys.operator });
  let hidden: unknown;
  await getTask(other, created.taskId).catch((e: unknown) => (hidden = e));
  assert.is((hidden as { code?: number })?.code, -32602, 'another credential sees no such task');
  let unknown: unknown;
  await getTask(client, 'no-such-task').catch((e: unknown) => (unknown = e));
  assert.is((unknown as { code?: number })?.code, -32602);
  await settle(client, created.taskId);
});

s('a task start that cannot start a run answers the tool error, not a task', async () => {
  const client = await modern();
  const res = (await client.request({ method: 'tools/call', params: { name: 'dagu_execute', arguments: { action: 'start', name: 'missing-dag' } } }, z.looseObject({ isError: z.boolean().optional(), resultType: z.string().optional(), structuredContent: z.record(z.string(), z.unknown()).optional() }))) as {
    isError?: boolean;
    resultType?: string;
    structuredContent?: { code?: string };
  };
  assert.is(res.isError, true);
  assert.is.not(res.resultType, 'task');
  assert.type(res.structuredContent?.code, 'string');
});


s('a listen stream gets the run end of a task, never notifications/tasks/status: SDK 2.x and the listen filter have no task status', async () => {
  // Every message the transport receives, before the client decodes it (its typed handlers do not offer task methods).
  const client = new Client({ name: 'modern-tasks-listen', version: '2.0.0' }, { capabilities: { extensions: { [EXT]: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  const transport = new StreamableHTTPClientTransport(new URL(srv.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${srv.keys.admin}` } } });
  await client.connect(transport);
  clients.push(client);
  const methods: string[] = [];
  const decode = transport.onmessage!;
  transport.onmessage = (message) => {
    if ('method' in message) methods.push(message.method);
    decode.call(transport, message);
  };
  const created = await callAsTask({ action: 'start', name: 'slow' });
  const run = (await srv.engine.runtime.listRuns({ name: 'slow' })).items.find((r) => !['aborted', 'failed', 'succeeded'].includes(r.statusLabel))!;
  const updated: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
  const sub = await client.listen({ resourceSubscriptions: [`dagu://runs/slow/${run.dagRunId}`] });
  await cancelTask(client, created.taskId);
  assert.is((await settle(client, created.taskId)).status, 'cancelled');
  for (const end = Date.now() + 10_000; updated.length === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(updated, [`dagu://runs/slow/${run.dagRunId}`]);
  assert.ok(methods.includes('notifications/resources/updated'), 'the tap sees notifications');
  assert.not.ok(methods.includes('notifications/tasks/status'));
  await sub.close();
});
s.run();

// Across a restart, and the per-credential cap shared with the 2025 era. These tests start
// their own servers (the helpers above follow `srv`, which the first suite has closed by now).
const durable = suite('mcp/modern-tasks across a restart, and the cap');
const closeClients = async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
};

durable('a task outlives the server: after a restart on the same data, tasks/get still inlines the result, for its credential only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-modern-tasks-restart-'));
  try {
    srv = await startMcpServer({ dir });
    srv.writeDag('quick', QUICK_DAG());
    srv.writeDag('broken', 'steps:\n  - name: fail\n    run: exit 3\n');
    let client = await modern();
    const ok = await callAsTask({ action: 'start', name: 'quick' });
    const bad = await callAsTask({ action: 'enqueue', name: 'broken' });
    await settle(client, ok.taskId);
    await settle(client, bad.taskId);
    const keys = srv.keys;
    await closeClients();
    await srv.close();

    srv = await startMcpServer({ dir, keys });
    client = await modern();
    const done = await getTask(client, ok.taskId);
    assert.is(done.status, 'completed');
    assert.is(done.createdAt, ok.createdAt);
    assert.is(done.ttlMs, ok.ttlMs);
    assert.not.ok(done.result!.isError);
    const out = done.result!.structuredContent as { statusLabel: string; dagRunId: string };
    assert.is(out.statusLabel, 'succeeded');
    assert.is((await srv.engine.runtime.getRun('quick', out.dagRunId))?.statusLabel, 'succeeded');
    const failed = await getTask(client, bad.taskId);
    assert.is(failed.status, 'completed');
    assert.is(failed.result!.isError, true);
    assert.is((failed.result!.structuredContent as { statusLabel: string }).statusLabel, 'failed');
    // On the wire too (the SDK client is not in the way).
    const wired = await raw('tasks/get', { taskId: ok.taskId }, ok.taskId);
    assert.is(wired.result?.status, 'completed');
    // Ownership holds after the reload.
    const other = await modern({ token: srv.keys.operator });
    let hidden: unknown;
    await getTask(other, ok.taskId).catch((e: unknown) => (hidden = e));
    assert.is((hidden as { code?: number })?.code, -32602, "another credential's task reads as not found");
    const stolen = await raw('tasks/cancel', { taskId: ok.taskId }, ok.taskId, srv.keys.operator);
    assert.is(stolen.error?.code, -32602);
  } finally {
    await closeClients();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

durable('the cap is per credential across both eras: a 2025 task counts against a 2026 start, which is refused and audited', async () => {
  srv = await startMcpServer({ configure: (c) => (c.mcp.maxTasksPerCredential = 1) });
  const legacy = new LegacyClient({ name: 'legacy-cap', version: '1' });
  try {
    srv.writeDag('slow', SLOW_DAG);
    await legacy.connect(new LegacyTransport(new URL(srv.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${srv.keys.admin}` } } }));
    const first = await legacy.request({ method: 'tools/call', params: { name: 'dagu_execute', arguments: { action: 'start', name: 'slow' }, task: { ttl: 60_000 } } }, CreateTaskResultSchema);
    const refused = await raw('tools/call', { name: 'dagu_execute', arguments: { action: 'start', name: 'slow' } }, 'dagu_execute');
    assert.is(refused.error?.code, -32600);
    assert.match(refused.error?.message ?? '', /Task limit reached \(1 live tasks per credential\)/);
    assert.is((await srv.engine.runtime.listRuns({ name: 'slow' })).items.length, 1, 'the refused call started no run');
    await srv.audit.flush();
    const denied = (await srv.audit.query({ action: 'mcp.request.denied', limit: 10 })).entries;
    assert.is(denied.length, 1);
    assert.is(denied[0]!.details.denial_reason, 'task_limit_reached');
    assert.is(denied[0]!.details.protocol_version, '2026-07-28');
    // Cancelled from the other era, the slot is free again.
    const client = await modern();
    await cancelTask(client, first.task.taskId);
    const next = await callAsTask({ action: 'start', name: 'slow' });
    assert.is(next.status, 'working');
    await cancelTask(client, next.taskId);
  } finally {
    await legacy.close().catch(() => {});
    await closeClients();
    await srv.close();
  }
});

durable.run();
