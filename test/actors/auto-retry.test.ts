import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createInMemoryExecutor } from '../../src/actors/index.ts';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { autoRetryDelayMs, autoRetryPlan } from '../../src/actors/auto-retry.ts';
import { createSimulatedClock, isTroupeError } from '../../src/core/index.ts';
import type { SimulatedClock } from '../../src/core/index.ts';
import { loadDag } from '../../src/dag/index.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

// DAG-level retry_policy: failed runs retried automatically as new attempts, on a simulated
// clock (intervals of minutes pass in milliseconds) with the in-memory executor.

interface Ctx {
  clock: SimulatedClock;
  e: TestEngine;
  seen: RuntimeEvent[];
}

const MIN = 60_000;
const s = suite<Ctx>('runtime: automatic retries per the DAG retry_policy (simulated clock)');

/** Steps whose command is `flaky` fail on their first try in a run and succeed after. */
const tries = new Map<string, number>();
async function open(ctx: Ctx, dir?: string): Promise<void> {
  const script = (job: { command?: string; env?: Record<string, string> }) => {
    if (!/flaky/.test(JSON.stringify(job))) return undefined;
    const id = job.env?.DAG_RUN_ID ?? '';
    const n = (tries.get(id) ?? 0) + 1;
    tries.set(id, n);
    return { exitCode: n === 1 ? 1 : 0 };
  };
  ctx.e = await createTestEngine({ ...(dir ? { dir } : {}), clock: ctx.clock, executor: createInMemoryExecutor({ clock: ctx.clock, graceMs: 500, script: script as never }), killGraceMs: 500, autoRetry: { windowMs: 24 * 3600_000 } });
  ctx.e.runtime.events$.subscribe((ev) => ctx.seen.push(ev));
}

s.before.each(async (ctx) => {
  ctx.clock = createSimulatedClock(Date.UTC(2026, 0, 1, 12));
  ctx.seen = [];
  await open(ctx);
});
s.after.each(async (ctx) => {
  await ctx.e.close();
});

async function ended(ctx: Ctx, name: string, id: string, attempt: number) {
  await until(async () => {
    const d = await ctx.e.runtime.getRun(name, id);
    return d && d.attempt === attempt && ['succeeded', 'failed', 'aborted'].includes(d.statusLabel) && d;
  }, 10_000, `attempt ${attempt} of ${name} to end`);
  return (await ctx.e.runtime.getRun(name, id))!;
}

s('the plan: Dagu defaults (60 s, cap 3600 s), backoff multiplies per retry and is capped', () => {
  const spec = (yaml: string) => loadDag(yaml + 'steps:\n  - name: a\n    run: "true"\n', { defaultName: 'x' }).spec!;
  assert.equal(autoRetryPlan(spec('retry_policy: {limit: 2}\n')), { limit: 2, intervalMs: 60_000, backoff: 1, maxIntervalMs: 3_600_000 });
  assert.is(autoRetryPlan(spec('retry_policy: {limit: 0}\n')), undefined);
  const plan = autoRetryPlan(spec('retry_policy: {limit: 5, interval_sec: 120, backoff: true, max_interval_sec: 300}\n'))!;
  assert.equal([0, 1, 2, 3].map((n) => autoRetryDelayMs(plan, n)), [120_000, 240_000, 300_000, 300_000]);
});

s('a failed run is retried after its interval and succeeds on its second attempt', async (ctx) => {
  ctx.e.writeDag('flaky', 'retry_policy:\n  limit: 3\n  interval_sec: 120\nsteps:\n  - name: a\n    run: echo flaky\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'flaky' });
  const first = await ended(ctx, 'flaky', dagRunId, 1);
  assert.is(first.statusLabel, 'failed');
  await ctx.clock.advance(119_000);
  assert.is((await ctx.e.runtime.getRun('flaky', dagRunId))!.attempt, 1, 'not before the interval');
  await ctx.clock.advance(1_000);
  const second = await ended(ctx, 'flaky', dagRunId, 2);
  assert.is(second.trigger, 'retry');
  assert.is(second.autoRetries, 1);
  assert.equal(second.history.map((h) => [h.attempt, h.statusLabel]), [[1, 'failed']]);
  const retries = ctx.seen.filter((ev): ev is Extract<RuntimeEvent, { type: 'domain' }> => ev.type === 'domain' && ev.action === 'dag_retry');
  assert.is(retries.length, 1);
  assert.is(retries[0]!.origin.source, 'scheduler');
  assert.is.not(retries[0]!.correlationId, first.correlationId, 'the retry is a call of its own');
  assert.is(second.statusLabel, 'succeeded');
  // Nothing more is pending after a success.
  await ctx.clock.advance(3600_000);
  assert.is((await ctx.e.runtime.getRun('flaky', dagRunId))!.attempt, 2);
});

s('retries stop at the limit, with backoff between attempts; the last failure stays failed', async (ctx) => {
  ctx.e.writeDag('broken', 'retry_policy:\n  limit: 2\n  interval_sec: 60\n  backoff: 2\nsteps:\n  - name: a\n    run: exit 3\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'broken' });
  await ended(ctx, 'broken', dagRunId, 1);
  await ctx.clock.advance(60_000);
  await ended(ctx, 'broken', dagRunId, 2);
  // The second retry waits 60 s × 2.
  await ctx.clock.advance(119_000);
  assert.is((await ctx.e.runtime.getRun('broken', dagRunId))!.attempt, 2);
  await ctx.clock.advance(1_000);
  const third = await ended(ctx, 'broken', dagRunId, 3);
  assert.is(third.statusLabel, 'failed');
  assert.is(third.autoRetries, 2);
  await ctx.clock.advance(24 * 3600_000);
  assert.is((await ctx.e.runtime.getRun('broken', dagRunId))!.attempt, 3, 'no retry past the limit');
});

s('a stop of a failed run cancels its pending automatic retry (also across a restart)', async (ctx) => {
  ctx.e.writeDag('broken', 'retry_policy:\n  limit: 3\n  interval_sec: 300\nsteps:\n  - name: a\n    run: exit 3\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'broken' });
  await ended(ctx, 'broken', dagRunId, 1);
  await ctx.e.runtime.stop('broken', dagRunId);
  assert.ok(ctx.seen.some((ev) => ev.type === 'domain' && ev.action === 'dag_terminate' && ev.details.terminate_mode === 'cancel_auto_retry'));
  // A second stop has nothing left to cancel.
  try {
    await ctx.e.runtime.stop('broken', dagRunId);
    assert.unreachable('NOT_RUNNING expected');
  } catch (e) {
    assert.ok(isTroupeError(e) && e.code === 'NOT_RUNNING');
  }
  await ctx.clock.advance(10 * MIN);
  assert.is((await ctx.e.runtime.getRun('broken', dagRunId))!.attempt, 1);
  const dir = ctx.e.dir;
  await ctx.e.shutdown();
  await open(ctx, dir);
  await ctx.clock.advance(10 * MIN);
  assert.is((await ctx.e.runtime.getRun('broken', dagRunId))!.attempt, 1, 'the cancel is durable');
});

s('a retry that fell due while the server was down starts at boot; an aborted run is never retried', async (ctx) => {
  ctx.e.writeDag('broken', 'retry_policy:\n  limit: 1\n  interval_sec: 60\nsteps:\n  - name: a\n    run: exit 3\n');
  ctx.e.writeDag('long', 'retry_policy:\n  limit: 1\n  interval_sec: 60\nsteps:\n  - name: a\n    run: sleep 600\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'broken' });
  await ended(ctx, 'broken', dagRunId, 1);
  const long = await ctx.e.runtime.start({ name: 'long' });
  await until(async () => (await ctx.e.runtime.getRun('long', long.dagRunId))?.steps[0]?.statusLabel === 'running', 10_000, 'long to run');
  await ctx.e.runtime.stop('long', long.dagRunId);
  assert.is((await ended(ctx, 'long', long.dagRunId, 1)).statusLabel, 'aborted');
  const dir = ctx.e.dir;
  await ctx.e.shutdown();
  ctx.clock.set(ctx.clock.now() + 30 * MIN);
  await open(ctx, dir);
  await ctx.clock.advance(1);
  const second = await ended(ctx, 'broken', dagRunId, 2);
  assert.is(second.autoRetries, 1);
  await ctx.clock.advance(10 * MIN);
  assert.is((await ctx.e.runtime.getRun('long', long.dagRunId))!.attempt, 1);
});

s.run();
