import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createInMemoryExecutor } from '../../src/actors/index.ts';
import { runsToPrune } from '../../src/actors/retention.ts';
import type { RunRecord } from '../../src/actors/types.ts';
import { createSimulatedClock } from '../../src/core/index.ts';
import type { SimulatedClock } from '../../src/core/index.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

// Retention (hist_retention_days / hist_retention_runs, config default): old runs and their
// logs are pruned when a new attempt of the DAG begins; never a running one. Days pass on a
// simulated clock.

const DAY = 24 * 3600_000;
interface Ctx {
  clock: SimulatedClock;
  e: TestEngine;
}
const s = suite<Ctx>('runtime: run history retention (simulated clock, real LevelDB and log files)');

s.before.each(async (ctx) => {
  ctx.clock = createSimulatedClock(Date.UTC(2026, 0, 1, 12));
  ctx.e = await createTestEngine({ clock: ctx.clock, executor: createInMemoryExecutor({ clock: ctx.clock, graceMs: 500 }), killGraceMs: 500, retentionDays: 10 });
});
s.after.each(async (ctx) => {
  await ctx.e.close();
});

async function runOnce(ctx: Ctx, name: string): Promise<string> {
  const { dagRunId } = await ctx.e.runtime.start({ name });
  await until(async () => (await ctx.e.runtime.getRun(name, dagRunId))?.statusLabel === 'succeeded', 10_000, `${name} to succeed`);
  return dagRunId;
}
const ids = async (ctx: Ctx, name: string) => (await ctx.e.runtime.listRuns({ name, limit: 100 })).items.map((r) => r.dagRunId).reverse();
const logDir = (ctx: Ctx, name: string, id: string) => join(ctx.e.dataDir, 'logs', name, id);

s('the pure choice: by age of the end, or all but the newest N; never an active or live run', () => {
  const r = (id: string, finishedDaysAgo: number | null, status: RunRecord['status'] = 'succeeded') =>
    ({ name: 'd', dagRunId: id, status, createdAt: new Date(100 * DAY - (finishedDaysAgo ?? 50) * DAY).toISOString(), finishedAt: finishedDaysAgo === null ? null : new Date(100 * DAY - finishedDaysAgo * DAY).toISOString() }) as RunRecord;
  const runs = [r('new', 1), r('running', null, 'running'), r('old', 20), r('old-live', 30), r('older', 40, 'failed')];
  const live = (x: RunRecord) => x.dagRunId === 'old-live';
  assert.equal(runsToPrune(runs, { days: 10 }, 100 * DAY, live).map((x) => x.dagRunId), ['old', 'older']);
  assert.equal(runsToPrune(runs, { runs: 2 }, 100 * DAY, live).map((x) => x.dagRunId), ['old', 'older']);
  assert.equal(runsToPrune(runs, { runs: 1 }, 100 * DAY, () => false).map((x) => x.dagRunId), ['old', 'old-live', 'older']);
});

s('hist_retention_days: a new attempt prunes runs older than N days with their logs; the config default applies otherwise', async (ctx) => {
  ctx.e.writeDag('keep3', 'hist_retention_days: 3\nsteps:\n  - name: a\n    run: echo hi\n');
  ctx.e.writeDag('plain', 'steps:\n  - name: a\n    run: echo hi\n');
  const old = await runOnce(ctx, 'keep3');
  const plainOld = await runOnce(ctx, 'plain');
  assert.ok(existsSync(logDir(ctx, 'keep3', old)));
  await ctx.clock.advance(2 * DAY);
  const mid = await runOnce(ctx, 'keep3');
  assert.equal(await ids(ctx, 'keep3'), [old, mid], '2 days old is kept');
  await ctx.clock.advance(2 * DAY);
  const recent = await runOnce(ctx, 'keep3');
  await until(async () => (await ids(ctx, 'keep3')).length === 2, 10_000, 'the 4-day-old run to be pruned');
  assert.equal(await ids(ctx, 'keep3'), [mid, recent]);
  assert.is(await ctx.e.runtime.getRun('keep3', old), undefined, 'the record is gone');
  assert.not.ok(existsSync(logDir(ctx, 'keep3', old)), 'its logs are gone');
  assert.ok(existsSync(logDir(ctx, 'keep3', mid)));
  try {
    await ctx.e.runtime.transitions('keep3', old);
    assert.unreachable('RUN_NOT_FOUND expected');
  } catch (e) {
    assert.is((e as { code: string }).code, 'RUN_NOT_FOUND');
  }
  // The DAG without its own setting keeps the configured 10 days.
  await runOnce(ctx, 'plain');
  assert.is((await ids(ctx, 'plain')).length, 2);
  await ctx.clock.advance(7 * DAY);
  await runOnce(ctx, 'plain');
  await until(async () => !(await ids(ctx, 'plain')).includes(plainOld), 10_000, 'the 11-day-old plain run to be pruned');
  assert.is((await ids(ctx, 'plain')).length, 2);
});

s('hist_retention_runs keeps the newest N; a running run is never pruned, however old', async (ctx) => {
  ctx.e.writeDag('few', 'hist_retention_runs: 2\nsteps:\n  - name: a\n    run: echo hi\n');
  ctx.e.writeDag('slowkeep', 'hist_retention_days: 1\nsteps:\n  - name: a\n    run: sleep 864000\n');
  const a = await runOnce(ctx, 'few');
  const b = await runOnce(ctx, 'few');
  const c = await runOnce(ctx, 'few');
  await until(async () => (await ids(ctx, 'few')).length === 2, 10_000, 'the oldest to be pruned');
  assert.equal(await ids(ctx, 'few'), [b, c]);
  assert.not.ok(existsSync(logDir(ctx, 'few', a)));
  // A run that has been running for 5 days survives the pruning a new attempt triggers.
  const long = await ctx.e.runtime.start({ name: 'slowkeep' });
  await until(async () => (await ctx.e.runtime.getRun('slowkeep', long.dagRunId))?.steps[0]?.statusLabel === 'running', 10_000, 'the long run');
  await ctx.clock.advance(5 * DAY);
  const second = await ctx.e.runtime.start({ name: 'slowkeep' });
  await until(async () => (await ctx.e.runtime.getRun('slowkeep', second.dagRunId))?.steps[0]?.statusLabel === 'running', 10_000, 'the second run');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await ctx.e.runtime.listRuns({ name: 'slowkeep' })).items.map((r) => r.statusLabel), ['running', 'running']);
});

s.run();
