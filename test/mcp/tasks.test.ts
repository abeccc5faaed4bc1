import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallToolResultSchema, CreateTaskResultSchema, McpError, TaskStatusNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { QUICK_DAG, SLOW_DAG, startMcpServer } from '../_support/mcp-server.ts';
import type { McpTestServer } from '../_support/mcp-server.ts';
import { TroupeError, createMemoryLogger, createSimulatedClock, isTroupeError } from '../../src/core/index.ts';
import type { AuditTrail } from '../../src/audit/types.ts';
import { createLevelTaskStore } from '../../src/store/level-task-store.ts';
import { DEFAULT_TASK_TTL_MS, RunTasks, TASK_SWEEP_MS, clientError } from '../../src/mcp/tasks.ts';
import type { RunTasksDeps, TaskChange } from '../../src/mcp/tasks.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

// The task ledger itself: a real runtime on a real LevelDB, the ledger on a simulated clock.
const ledger = suite<{ e: TestEngine; audited: Array<Record<string, unknown>> }>('mcp/tasks ledger', { e: undefined as unknown as TestEngine, audited: [] });
const ALICE = 'alice\u0000key-a';
const BOB = 'bob\u0000key-b';
ledger.before.each(async (ctx) => {
  ctx.e = await createTestEngine();
  ctx.e.writeDag('quick', QUICK_DAG());
  ctx.e.writeDag('slow', SLOW_DAG);
  ctx.audited = [];
});
ledger.after.each(async (ctx) => {
  await ctx.e.close();
});

function ledgerOf(ctx: { e: TestEngine; audited: Array<Record<string, unknown>> }, over: Partial<RunTasksDeps> = {}) {
  // Audit entries are collected, not written: the server tests below check the real trail.
  const audit = { record: (entry: Record<string, unknown>) => void ctx.audited.push(entry) } as unknown as AuditTrail;
  return new RunTasks({ runtime: ctx.e.runtime, audit, logger: createMemoryLogger(), clock: createSimulatedClock(), store: createLevelTaskStore(ctx.e.db), maxPerOwner: 100, ...over });
}

/** Starts a run of `dag` and makes it a task of `owner`, as the tools/call handlers do. */
async function startTask(ctx: { e: TestEngine }, tasks: RunTasks, owner: string, dag: string, ttl?: number) {
  const slot = await tasks.reserve(owner);
  const run = await ctx.e.runtime.start({ name: dag });
  return tasks.create(slot, { ttl: ttl ?? null }, { name: dag, dagRunId: run.dagRunId }, `corr-${run.dagRunId}`);
}

ledger('an ended task is pruned ttl after its end, on the clock: from memory and from the store', async (ctx) => {
  const clock = createSimulatedClock();
  const store = createLevelTaskStore(ctx.e.db);
  const tasks = ledgerOf(ctx, { clock, store });
  const task = await startTask(ctx, tasks, ALICE, 'quick', 5000);
  assert.is(task.ttl, 5000);
  assert.ok(await store.get(task.taskId), 'durable once created');
  await until(async () => (await tasks.get(task.taskId, ALICE))?.status === 'completed', 10_000, 'the task to complete');
  assert.is((await store.get(task.taskId))?.status, 'completed', 'the end is written through');
  await clock.advance(4999);
  assert.is((await tasks.get(task.taskId, ALICE))?.status, 'completed', 'kept until its ttl has passed');
  // The sweep (every TASK_SWEEP_MS) removes it from the store without anyone asking for it.
  await clock.advance(TASK_SWEEP_MS);
  await until(async () => (await store.get(task.taskId)) === undefined, 2000, 'the sweep to delete the record');
  assert.is(tasks.size, 0);
  assert.is(await tasks.get(task.taskId, ALICE), null);
  tasks.close();
});

ledger('an expired task reads as not found at once, before the sweep; a working task is never pruned', async (ctx) => {
  const clock = createSimulatedClock();
  const tasks = ledgerOf(ctx, { clock, sweepMs: 10 * DEFAULT_TASK_TTL_MS });
  const quick = await startTask(ctx, tasks, ALICE, 'quick', 1000);
  const slow = await startTask(ctx, tasks, ALICE, 'slow', 1000);
  await until(async () => (await tasks.get(quick.taskId, ALICE))?.status === 'completed', 10_000, 'the quick task to complete');
  await clock.advance(1000);
  assert.is(await tasks.get(quick.taskId, ALICE), null);
  await clock.advance(2 * DEFAULT_TASK_TTL_MS);
  assert.is((await tasks.get(slow.taskId, ALICE))?.status, 'working', 'it still follows a live run');
  await tasks.cancel(slow.taskId, ALICE);
  assert.is((await tasks.get(slow.taskId, ALICE))?.status, 'cancelled');
  await clock.advance(1000);
  assert.is(await tasks.get(slow.taskId, ALICE), null, 'cancelled, then expired');
  tasks.close();
});

ledger('a reloaded ledger prunes what expired while it was down and keeps the rest, with its owner', async (ctx) => {
  const clock = createSimulatedClock();
  const store = createLevelTaskStore(ctx.e.db);
  const first = ledgerOf(ctx, { clock, store });
  const short = await startTask(ctx, first, ALICE, 'quick', 1000);
  const long = await startTask(ctx, first, ALICE, 'quick', 60_000);
  await until(async () => (await first.get(short.taskId, ALICE))?.status === 'completed' && (await first.get(long.taskId, ALICE))?.status === 'completed', 10_000, 'both to complete');
  first.close();
  await clock.advance(5000);
  const second = ledgerOf(ctx, { clock, store });
  await second.ready();
  assert.is(await store.get(short.taskId), undefined, 'expired while down: deleted at load');
  assert.is((await second.get(long.taskId, ALICE))?.status, 'completed');
  assert.is(await second.get(long.taskId, BOB), null, "another credential's task reads as not found");
  const result = await second.result(long.taskId, ALICE);
  assert.is((result.structuredContent as { statusLabel: string }).statusLabel, 'succeeded', 'the result is derived from the run record');
  assert.is((result._meta as Record<string, string>)['troupe/correlationId'], `corr-${(result.structuredContent as { dagRunId: string }).dagRunId}`);
  second.close();
});

ledger('a working task whose run ended while the ledger was down ends at reload; a vanished run fails its task', async (ctx) => {
  const store = createLevelTaskStore(ctx.e.db);
  const first = ledgerOf(ctx, { store });
  const task = await startTask(ctx, first, ALICE, 'quick');
  first.close();
  const stored = (await store.get(task.taskId))!;
  await ctx.e.runtime.waitForRun('quick', stored.dagRunId, 10_000);
  // As if the server went down before the run ended: the store still says working.
  const { status: _s, statusMessage: _m, endedAt: _e, ...working } = { ...stored };
  await store.put({ ...working, status: 'working' });
  await store.put({ ...working, status: 'working', taskId: 'gone-task', dagRunId: 'no-such-run' });
  assert.is((await store.get(task.taskId))?.status, 'working');
  const second = ledgerOf(ctx, { store });
  await until(async () => (await second.get(task.taskId, ALICE))?.status === 'completed', 5000, 'the reloaded task to complete');
  await until(async () => (await second.get('gone-task', ALICE))?.status === 'failed', 5000, 'the task of a vanished run to fail');
  assert.match((await second.get('gone-task', ALICE))!.statusMessage ?? '', /no longer exists/);
  assert.is((await store.get('gone-task'))?.status, 'failed');
  assert.is(second.following, 0);
  second.close();
});

ledger('a reloaded working task follows its still-live run again: stopping the run ends it cancelled', async (ctx) => {
  const store = createLevelTaskStore(ctx.e.db);
  const first = ledgerOf(ctx, { store });
  const task = await startTask(ctx, first, ALICE, 'slow');
  first.close();
  const second = ledgerOf(ctx, { store });
  await second.ready();
  assert.is((await second.get(task.taskId, ALICE))?.status, 'working');
  assert.is(second.following, 1);
  const { dagRunId } = (await store.get(task.taskId))!;
  await ctx.e.runtime.stop('slow', dagRunId);
  await until(async () => (await second.get(task.taskId, ALICE))?.status === 'cancelled', 10_000, 'the reloaded task to see its run end');
  assert.is((await second.get(task.taskId, ALICE))?.statusMessage, 'The DAG-run was aborted.');
  assert.is(((await second.result(task.taskId, ALICE)).structuredContent as { statusLabel: string }).statusLabel, 'aborted');
  second.close();
});

ledger('tasks/list pages over one credential\'s tasks, oldest first; a bad cursor is invalid input', async (ctx) => {
  const clock = createSimulatedClock();
  const store = createLevelTaskStore(ctx.e.db);
  const at = (i: number) => new Date(clock.now() + i).toISOString();
  for (let i = 0; i < 55; i++) {
    await store.put({ taskId: `t${String(i).padStart(2, '0')}`, ownerKey: ALICE, name: 'quick', dagRunId: `r${i}`, correlationId: 'c', createdAt: at(i), lastUpdatedAt: at(i), ttlMs: 60_000, pollIntervalMs: 1000, status: 'completed', endedAt: clock.now() });
  }
  await store.put({ taskId: 'bobs', ownerKey: BOB, name: 'quick', dagRunId: 'rb', correlationId: 'c', createdAt: at(0), lastUpdatedAt: at(0), ttlMs: 60_000, pollIntervalMs: 1000, status: 'completed', endedAt: clock.now() });
  const tasks = ledgerOf(ctx, { clock, store });
  const one = await tasks.list(ALICE);
  assert.is(one.tasks.length, 50);
  assert.is(one.tasks[0]!.taskId, 't00');
  assert.is(one.nextCursor, 't49');
  const two = await tasks.list(ALICE, one.nextCursor);
  assert.equal(two.tasks.map((t) => t.taskId), ['t50', 't51', 't52', 't53', 't54']);
  assert.is(two.nextCursor, undefined);
  assert.equal((await tasks.list(BOB)).tasks.map((t) => t.taskId), ['bobs']);
  let bad: unknown;
  await tasks.list(ALICE, 'bobs').catch((e: unknown) => (bad = e));
  assert.ok(isTroupeError(bad) && bad.code === 'INVALID_INPUT', "another credential's id is no cursor");
  tasks.close();
});

ledger('live tasks are capped per credential; a slot is taken before the run, and the refusal is a denial', async (ctx) => {
  const tasks = ledgerOf(ctx, { maxPerOwner: 2 });
  const a = await startTask(ctx, tasks, ALICE, 'slow');
  const held = await tasks.reserve(ALICE); // a call still starting its run counts too
  let refused: unknown;
  await tasks.reserve(ALICE).catch((e: unknown) => (refused = e));
  assert.ok(isTroupeError(refused) && refused.code === 'LIMIT_EXCEEDED', 'over the limit');
  assert.match((refused as Error).message, /Task limit reached \(2 live tasks per credential\)/);
  assert.is(ctx.audited.length, 1);
  assert.is(ctx.audited[0]!.action, 'mcp.request.denied');
  assert.is((ctx.audited[0]!.details as Record<string, unknown>).denial_reason, 'task_limit_reached');
  (await tasks.reserve(BOB)).release(); // another credential has its own slots
  held.release();
  held.release(); // idempotent
  const b = await tasks.reserve(ALICE);
  b.release();
  await tasks.cancel(a.taskId, ALICE); // an ended task frees its slot
  assert.is(tasks.live(ALICE), 0);
  tasks.close();
});

ledger('changes$ gives each durable status once, in order, with the creating session: working, then the end', async (ctx) => {
  const store = createLevelTaskStore(ctx.e.db);
  const tasks = ledgerOf(ctx, { store });
  const seen: TaskChange[] = [];
  const stored: Array<Promise<string | undefined>> = [];
  tasks.changes$.subscribe((c) => {
    seen.push(c);
    stored.push(store.get(c.task.taskId).then((r) => r?.status));
  });
  const slot = await tasks.reserve(ALICE);
  const run = await ctx.e.runtime.start({ name: 'slow' });
  const task = await tasks.create(slot, { ttl: null }, { name: 'slow', dagRunId: run.dagRunId }, 'corr', 'session-1');
  await tasks.cancel(task.taskId, ALICE);
  await ctx.e.runtime.waitForRun('slow', run.dagRunId, 10_000);
  await until(async () => tasks.following === 0, 5000, 'the watch to see the run end');
  assert.equal(seen.map((c) => c.task.status), ['working', 'cancelled'], "the run's own end after the cancel is no change");
  assert.ok(seen.every((c) => c.origin === 'session-1' && c.ownerKey === ALICE && c.task.taskId === task.taskId));
  assert.equal(await Promise.all(stored), ['working', 'cancelled'], 'each status is on disk before it is announced');
  const other = await startTask(ctx, tasks, BOB, 'quick');
  await until(async () => seen.length === 4, 10_000, "bob's task to end");
  assert.equal(seen.slice(2).map((c) => [c.task.status, c.origin, c.ownerKey]), [['working', undefined, BOB], ['completed', undefined, BOB]]);
  assert.is(seen[3]!.task.taskId, other.taskId);
  tasks.close();
});

ledger('a task that cannot be recorded stops the run it was for, and tells the client which run and that it stopped', async (ctx) => {
  const level = createLevelTaskStore(ctx.e.db);
  const store = { ...level, put: () => Promise.reject(new Error('ENOSPC: no space left on device')) };
  const logger = createMemoryLogger();
  const tasks = ledgerOf(ctx, { store, logger });
  const slot = await tasks.reserve(ALICE);
  const run = await ctx.e.runtime.start({ name: 'slow' });
  const error = await tasks.create(slot, { ttl: null }, { name: 'slow', dagRunId: run.dagRunId }, 'corr-x').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isTroupeError(error), String(error));
  assert.is(error.code, 'STORE_UNAVAILABLE');
  assert.match(error.message, `its DAG-run slow/${run.dagRunId} was stopped`);
  const { details, timedOut } = await ctx.e.runtime.waitForRun('slow', run.dagRunId, 10_000);
  assert.not.ok(timedOut, 'the run ended');
  assert.is(details.statusLabel, 'aborted');
  // The slot was given back, and nothing half-made is left in the ledger.
  assert.is(tasks.live(ALICE), 0);
  assert.is(tasks.size, 0);
  // What a client is told: this message and the run, without the internal marker.
  const told = clientError(error);
  assert.is(told.code, -32603);
  assert.is(told.message, error.message);
  assert.equal(told.data, { dagName: 'slow', dagRunId: run.dagRunId, runStopped: true });
  // Other internal errors still say only that they happened.
  assert.equal(clientError(new TroupeError('STORE_UNAVAILABLE', 'leveldb: corruption in 000123.ldb')), { code: -32603, message: 'Internal MCP error.' });
  assert.ok(logger.lines.some((l) => l.msg === 'mcp task could not be recorded'));
  tasks.close();
});

ledger.run();

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

// notifications/tasks/status (2025-11-25), with SDK 1.x clients on the real server.
const notify = suite('mcp/tasks status notifications');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FIELDS = ['taskId', 'status', 'statusMessage', 'createdAt', 'lastUpdatedAt', 'ttl', 'pollInterval'] as const;
const fieldsOf = (t: Partial<Task>) => Object.fromEntries(FIELDS.filter((k) => t[k] !== undefined).map((k) => [k, t[k]]));

/** A client that records every task status notification it receives. */
async function listener(options: { token?: string } = {}) {
  const { client, transport } = await srv.connect(options);
  const seen: Task[] = [];
  client.setNotificationHandler(TaskStatusNotificationSchema, (n) => void seen.push(n.params as Task));
  // A round trip first, so the GET stream (where notifications travel) is open.
  await client.listTools();
  const of = (taskId: string) => seen.filter((t) => t.taskId === taskId).map((t) => t.status);
  return { client, transport, seen, of };
}

notify.before(async () => {
  srv = await startMcpServer();
  srv.writeDag('quick', QUICK_DAG());
  srv.writeDag('broken', 'steps:\n  - name: fail\n    run: exit 3\n');
  srv.writeDag('slow', SLOW_DAG);
});
notify.after(async () => {
  await srv.close();
});

notify('a succeeded run: the creating session gets working then completed, once each; no other session does', async () => {
  const a = await listener();
  const sameCredential = await listener();
  const other = await listener({ token: srv.keys.operator });
  const created = await asTask('dagu_execute', { action: 'start', name: 'quick' }, a.client);
  await until(async () => a.of(created.task.taskId).length >= 2 || undefined, 10_000, 'working and completed');
  await sleep(300);
  assert.equal(a.of(created.task.taskId), ['working', 'completed']);
  // The params are the task object, as tasks/get gives it.
  const [working, completed] = a.seen.filter((t) => t.taskId === created.task.taskId);
  assert.equal(fieldsOf(working!), fieldsOf(created.task));
  assert.equal(fieldsOf(completed!), fieldsOf(await a.client.experimental.tasks.getTask(created.task.taskId)));
  assert.match(completed!.statusMessage ?? '', /ended: succeeded/);
  assert.is(completed!.ttl, 60_000);
  assert.ok(completed!.lastUpdatedAt >= working!.lastUpdatedAt && typeof completed!.pollInterval === 'number');
  assert.equal(sameCredential.seen, [], 'another session of the credential polls; the creating session is notified');
  assert.equal(other.seen, [], "another credential's session learns nothing");
});

notify('a failing run: working then failed', async () => {
  const a = await listener();
  const created = await asTask('dagu_execute', { action: 'enqueue', name: 'broken' }, a.client);
  await until(async () => a.of(created.task.taskId).length >= 2 || undefined, 10_000, 'working and failed');
  await sleep(300);
  assert.equal(a.of(created.task.taskId), ['working', 'failed']);
  assert.match(a.seen.at(-1)!.statusMessage ?? '', /ended: failed/);
});

notify("tasks/cancel: working then cancelled, once, though the run's abort comes after", async () => {
  const a = await listener();
  const created = await asTask('dagu_execute', { action: 'start', name: 'slow' }, a.client);
  await until(async () => a.of(created.task.taskId).length >= 1 || undefined, 10_000, 'working');
  await a.client.experimental.tasks.cancelTask(created.task.taskId);
  const result = await a.client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
  assert.is((result.structuredContent as { statusLabel: string }).statusLabel, 'aborted', 'the run has stopped');
  await sleep(300);
  assert.equal(a.of(created.task.taskId), ['working', 'cancelled']);
  assert.match(a.seen.at(-1)!.statusMessage ?? '', /cancelled/i);
});

notify('nothing reaches a session after it closed', async () => {
  const a = await listener();
  const watcher = await listener(); // same credential, to end the task and see it end
  const created = await asTask('dagu_execute', { action: 'start', name: 'slow' }, a.client);
  await until(async () => a.of(created.task.taskId).length >= 1 || undefined, 10_000, 'working');
  const sessions = srv.mcp.sessionCount();
  await a.transport.terminateSession();
  await a.client.close();
  assert.is(srv.mcp.sessionCount(), sessions - 1, 'the session is gone on the server');
  await watcher.client.experimental.tasks.cancelTask(created.task.taskId);
  await watcher.client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
  await sleep(300);
  assert.equal(a.of(created.task.taskId), ['working']);
  assert.not.ok(srv.mcpLogger.lines.some((l) => l.msg === 'mcp task notification failed'), 'no send was even attempted');
  assert.equal(watcher.seen, []);
});


notify('a status sent while the GET stream is down is replayed with Last-Event-ID', async () => {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${srv.keys.admin}` };
  const init = await fetch(srv.mcpUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
  const h = { ...headers, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
  await init.text();
  await (await fetch(srv.mcpUrl, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  const post = async (id: number, method: string, params: Record<string, unknown>) => {
    const text = await (await fetch(srv.mcpUrl, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) })).text();
    return JSON.parse(/^data: (\{.*)$/m.exec(text)![1]!) as { result: Record<string, unknown> };
  };
  const readUntil = async (body: ReadableStream<Uint8Array>, done: (buf: string) => boolean) => {
    const reader = body.getReader();
    let buf = '';
    while (!done(buf)) buf += new TextDecoder().decode((await reader.read()).value);
    return buf;
  };
  const ctrl = new AbortController();
  const get = await fetch(srv.mcpUrl, { headers: { ...h, accept: 'text/event-stream' }, signal: ctrl.signal });
  assert.is(get.status, 200);
  const created = await post(2, 'tools/call', { name: 'dagu_execute', arguments: { action: 'start', name: 'slow' }, task: { ttl: 60_000 } });
  const taskId = (created.result.task as Task).taskId;
  const first = await readUntil(get.body!, (b) => b.split('\n\n').some((e) => e.includes(taskId)));
  const event = first.split('\n\n').find((e) => e.includes(taskId))!;
  assert.match(event, /"status":"working"/);
  const lastId = /^id: (\S+)$/m.exec(event)![1]!;
  ctrl.abort();
  await sleep(50);
  // While the stream is down the task is cancelled: its status is kept for the reconnect.
  assert.is((await post(3, 'tasks/cancel', { taskId })).result.status, 'cancelled');
  const ctrl2 = new AbortController();
  const resumed = await fetch(srv.mcpUrl, { headers: { ...h, accept: 'text/event-stream', 'last-event-id': lastId }, signal: ctrl2.signal });
  assert.is(resumed.status, 200);
  const replayed = await readUntil(resumed.body!, (b) => b.includes('"status":"cancelled"'));
  assert.ok(replayed.includes('notifications/tasks/status') && replayed.includes(taskId));
  assert.not.ok(replayed.includes('"status":"working"'), 'only what came after the last event seen');
  ctrl2.abort();
  await fetch(srv.mcpUrl, { method: 'DELETE', headers: h });
});
notify.run();

// Tasks across a server restart, and the per-credential cap, on the real server with SDK 1.x clients.
const durable = suite('mcp/tasks across a restart, and the cap');

durable('a task outlives the server: after a restart on the same data, get, result and list still work for its credential only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-tasks-restart-'));
  try {
    let srv = await startMcpServer({ dir });
    srv.writeDag('quick', QUICK_DAG());
    srv.writeDag('slow', SLOW_DAG);
    let { client } = await srv.connect();
    const done = await asTask('dagu_execute', { action: 'start', name: 'quick' }, client);
    await client.experimental.tasks.getTaskResult(done.task.taskId, CallToolResultSchema);
    // This one is still working when the server goes down; its run does not survive the stop.
    const cut = await asTask('dagu_execute', { action: 'start', name: 'slow' }, client);
    const keys = srv.keys;
    await srv.close();

    srv = await startMcpServer({ dir, keys });
    try {
      ({ client } = await srv.connect()); // a new session: the old one is gone
      const task = await client.experimental.tasks.getTask(done.task.taskId);
      assert.is(task.status, 'completed');
      assert.is(task.createdAt, done.task.createdAt);
      const result = await client.experimental.tasks.getTaskResult(done.task.taskId, CallToolResultSchema);
      const out = result.structuredContent as { statusLabel: string; dagName: string };
      assert.is(out.statusLabel, 'succeeded');
      assert.is(out.dagName, 'quick');
      assert.not.ok(result.isError);

      // The cut task ends as its run's record says it ended (the run did not outlive the server).
      const ended = await until(async () => {
        const t = await client.experimental.tasks.getTask(cut.task.taskId);
        return t.status === 'working' ? undefined : t;
      }, 10_000, 'the cut task to end');
      const cutResult = await client.experimental.tasks.getTaskResult(cut.task.taskId, CallToolResultSchema);
      const cutOut = cutResult.structuredContent as { statusLabel: string; dagRunId: string };
      const run = await srv.engine.runtime.getRun('slow', cutOut.dagRunId);
      assert.is(cutOut.statusLabel, run?.statusLabel);
      assert.ok(['failed', 'cancelled'].includes(ended.status), `ended ${ended.status}`);
      assert.ok(cutResult.isError);

      const listed = (await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
      assert.ok(listed.includes(done.task.taskId) && listed.includes(cut.task.taskId));
      // Ownership holds after the reload: another credential's lookups read as not found.
      const { client: other } = await srv.connect({ token: srv.keys.operator });
      let hidden: unknown;
      await other.experimental.tasks.getTask(done.task.taskId).catch((e: unknown) => (hidden = e));
      assert.ok(hidden instanceof McpError);
      assert.match((hidden as McpError).message, /not found/i);
      let noResult: unknown;
      await other.experimental.tasks.getTaskResult(done.task.taskId, CallToolResultSchema).catch((e: unknown) => (noResult = e));
      assert.ok(noResult instanceof McpError);
      assert.equal((await other.experimental.tasks.listTasks()).tasks, []);
    } finally {
      await srv.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

durable('over mcp.max_tasks_per_credential a task call is refused before its run starts, with an error and a denial entry', async () => {
  const srv = await startMcpServer({ configure: (c) => (c.mcp.maxTasksPerCredential = 1) });
  try {
    srv.writeDag('slow', SLOW_DAG);
    const { client } = await srv.connect();
    const first = await asTask('dagu_execute', { action: 'start', name: 'slow' }, client);
    let refused: unknown;
    await asTask('dagu_execute', { action: 'start', name: 'slow' }, client).catch((e: unknown) => (refused = e));
    assert.ok(refused instanceof McpError, 'a JSON-RPC error');
    assert.is((refused as McpError).code, -32600);
    assert.match((refused as McpError).message, /Task limit reached \(1 live tasks per credential\)/);
    assert.is((await srv.engine.runtime.listRuns({ name: 'slow' })).items.length, 1, 'the refused call started no run');
    await srv.audit.flush();
    const denied = (await srv.audit.query({ action: 'mcp.request.denied', limit: 10 })).entries;
    assert.is(denied.length, 1);
    assert.is(denied[0]!.details.denial_reason, 'task_limit_reached');
    assert.is(denied[0]!.mcp_tool, 'dagu_execute');
    assert.ok(denied[0]!.details.session_id, 'recorded with the calling session');
    // A plain call is not a task and is not capped; another credential has its own limit.
    const plain = await client.callTool({ name: 'dagu_read', arguments: { target: 'dags' } });
    assert.not.ok(plain.isError);
    const { client: other } = await srv.connect({ token: srv.keys.operator });
    const theirs = await asTask('dagu_execute', { action: 'start', name: 'slow' }, other);
    // Cancelling frees the slot.
    await client.experimental.tasks.cancelTask(first.task.taskId);
    const again = await asTask('dagu_execute', { action: 'start', name: 'slow' }, client);
    assert.is(again.task.status, 'working');
    await other.experimental.tasks.cancelTask(theirs.task.taskId);
    await client.experimental.tasks.cancelTask(again.task.taskId);
  } finally {
    await srv.close();
  }
});

durable.run();
