// The MCP task-store port's contract (`McpTaskStore`, src/mcp/task-store.ts): one suite, run
// against every adapter. Each adapter's test file calls `taskStoreContract(name, factory)`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { McpTaskStore, TaskRecord } from '../../src/mcp/task-store.ts';

export interface TaskStoreHarness {
  store: McpTaskStore;
  /** Closes the store's backing and opens it again (a restart); required with `persistent`. */
  reopen?: () => Promise<McpTaskStore>;
  dispose(): Promise<void>;
}

export const taskRecord = (taskId: string, over: Partial<TaskRecord> = {}): TaskRecord => ({
  taskId,
  ownerKey: 'user-1\u0000key-1',
  name: 'hello',
  dagRunId: `run-${taskId}`,
  correlationId: `corr-${taskId}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:00.000Z',
  ttlMs: 60_000,
  pollIntervalMs: 1000,
  status: 'working',
  ...over,
});

/** `persistent`: the adapter keeps records across a reopen (the restart case runs). */
export function taskStoreContract(name: string, factory: () => Promise<TaskStoreHarness>, options: { persistent?: boolean } = {}): void {
  const s = suite<{ h: TaskStoreHarness }>(`task-store contract: ${name}`, { h: undefined as unknown as TaskStoreHarness });
  s.before.each(async (ctx) => {
    ctx.h = await factory();
  });
  s.after.each(async (ctx) => {
    await ctx.h.dispose();
  });

  s('a record put is read back as it was; an unknown id is undefined', async ({ h }) => {
    const r = taskRecord('t1');
    await h.store.put(r);
    assert.equal(await h.store.get('t1'), r);
    assert.is(await h.store.get('nope'), undefined);
  });

  s('put replaces a record: its last status, message, end and a null ttl round-trip', async ({ h }) => {
    await h.store.put(taskRecord('t1'));
    const ended = taskRecord('t1', { status: 'failed', statusMessage: 'DAG-run hello/run-t1 ended: failed.', endedAt: 1_767_225_600_123, ttlMs: null, lastUpdatedAt: '2026-01-01T00:00:05.000Z' });
    await h.store.put(ended);
    assert.equal(await h.store.get('t1'), ended);
    assert.is((await h.store.list()).length, 1);
  });

  s('delete removes a record; deleting an unknown id is not an error', async ({ h }) => {
    await h.store.put(taskRecord('t1'));
    await h.store.put(taskRecord('t2'));
    await h.store.delete('t1');
    await h.store.delete('never-there');
    assert.is(await h.store.get('t1'), undefined);
    assert.equal((await h.store.list()).map((r) => r.taskId), ['t2']);
  });

  s('list gives back every record, of every owner', async ({ h }) => {
    const records = [taskRecord('a'), taskRecord('b', { ownerKey: 'user-2\u0000' }), taskRecord('c', { status: 'cancelled', endedAt: 5 })];
    for (const r of records) await h.store.put(r);
    const listed = (await h.store.list()).sort((x, y) => x.taskId.localeCompare(y.taskId));
    assert.equal(listed, records);
  });

  s('what a caller holds is a copy: changing it changes nothing stored', async ({ h }) => {
    const r = taskRecord('t1');
    await h.store.put(r);
    r.status = 'completed';
    const got = (await h.store.get('t1'))!;
    assert.is(got.status, 'working');
    got.status = 'failed';
    assert.is((await h.store.get('t1'))!.status, 'working');
    assert.is((await h.store.list())[0]!.status, 'working');
  });

  if (options.persistent) s('records survive a reopen', async ({ h }) => {
    assert.ok(h.reopen, 'a persistent adapter can be reopened');
    await h.store.put(taskRecord('t1'));
    await h.store.put(taskRecord('t2', { status: 'completed', endedAt: 10 }));
    await h.store.delete('t1');
    const again = await h.reopen!();
    assert.equal(await again.list(), [taskRecord('t2', { status: 'completed', endedAt: 10 })]);
  });

  s.run();
}
