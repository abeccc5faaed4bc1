import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createInMemoryExecutor } from '../../src/actors/index.ts';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { autoRetryDelayMs, autoRetryPlan } from '../../src/actors/auto-retry.ts';
import { createSimulatedClock, isTroupeError } from '../../src/core/index.ts';
import type { SimulatedClock } from '../../src/core/index.ts';
import { loadDag } from '../../src/dag/index.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

async function ended(ctx: { e: TestEngine }, name: string, id: string, attempt: number, ms = 10_000) {
  await until(async () => {
    const d = await ctx.e.runtime.getRun(name, id);
    return d && d.attempt === attempt && ['succeeded', 'failed', 'aborted'].includes(d.statusLabel) && d;
  }, ms, `attempt ${attempt} of ${name} to end`);
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

// §20.3 with real step processes on a real LevelDB (the retry interval on a simulated clock):
// while automatic retries remain, a failed attempt skips handler_on.failure; exit still runs,
// and the final attempt runs the failure handler. Handlers append a line to a marker file.

interface RealCtx {
  clock: SimulatedClock;
  e: TestEngine;
}
const real = suite<RealCtx>('runtime: handler_on.failure and pending automatic retries (real processes)');

async function openReal(ctx: RealCtx, dir?: string, deferred = false): Promise<void> {
  ctx.e = await createTestEngine({ ...(dir ? { dir } : {}), clock: ctx.clock, autoRetry: { windowMs: 24 * 3600_000, ...(deferred ? { deferred: true } : {}) } });
}
real.before.each(async (ctx) => {
  ctx.clock = createSimulatedClock(Date.UTC(2026, 0, 1, 12));
  await openReal(ctx);
});
real.after.each(async (ctx) => {
  await ctx.e.close();
});

const marksOf = (e: TestEngine) => join(e.dir, 'marks.txt');
const marks = (e: TestEngine) => (existsSync(marksOf(e)) ? readFileSync(marksOf(e), 'utf8').trim().split('\n') : []);

/** A DAG whose step always fails; its failure and exit handlers append to the marker file. */
function failing(e: TestEngine, retry: string): string {
  return `${retry}env:\n  - MARKS: ${marksOf(e)}\nhandler_on:\n  failure:\n    run: echo "failure $DAG_RUN_STATUS" >> "$MARKS"\n  exit:\n    run: echo exit >> "$MARKS"\nsteps:\n  - name: a\n    run: exit 3\n`;
}

/** Real processes: a slower machine gets more time. */
const endedReal = (ctx: RealCtx, name: string, id: string, attempt: number) => ended(ctx, name, id, attempt, 20_000);

real('limit 1, a step that fails twice: the failure handler runs once, after the second attempt; exit runs after both', async (ctx) => {
  ctx.e.writeDag('twice', failing(ctx.e, 'retry_policy:\n  limit: 1\n  interval_sec: 60\n'));
  const { dagRunId } = await ctx.e.runtime.start({ name: 'twice' });
  const first = await endedReal(ctx, 'twice', dagRunId, 1);
  assert.is(first.statusLabel, 'failed');
  assert.equal(marks(ctx.e), ['exit'], 'the first attempt ran exit but not failure');
  assert.is(first.skippedHandler?.handler, 'failure');
  assert.match(first.skippedHandler!.reason, /automatic retry is pending \(retry_policy: retry 1 of 1\)/);
  assert.not.ok(first.steps.some((st) => st.name === 'onFailure'), 'no onFailure step in the first attempt');
  const log = await until(async () => {
    const c = (await ctx.e.runtime.runLogs('twice', dagRunId)).schedulerLog.content;
    return /finished failed/.test(c) ? c : undefined;
  }, 10_000, 'the run log');
  assert.match(log, /handler_on\.failure skipped: an automatic retry is pending/);

  await ctx.clock.advance(60_000);
  const second = await endedReal(ctx, 'twice', dagRunId, 2);
  assert.is(second.statusLabel, 'failed');
  assert.is(second.autoRetries, 1);
  assert.equal(marks(ctx.e), ['exit', 'failure failed', 'exit'], 'failure ran once, in the final attempt, before its exit');
  assert.is(second.skippedHandler, undefined);
  assert.is(second.steps.find((st) => st.name === 'onFailure')?.statusLabel, 'succeeded');
  assert.is(second.history[0]!.skippedHandler?.handler, 'failure', 'the history keeps why attempt 1 skipped it');

  await ctx.clock.advance(24 * 3600_000);
  assert.is((await ctx.e.runtime.getRun('twice', dagRunId))!.attempt, 2, 'no retry past the limit');
  assert.equal(marks(ctx.e), ['exit', 'failure failed', 'exit']);
});

real('without retry_policy, or with limit 0, the first failure runs the failure handler', async (ctx) => {
  ctx.e.writeDag('plain', failing(ctx.e, ''));
  ctx.e.writeDag('zero', failing(ctx.e, 'retry_policy:\n  limit: 0\n'));
  const a = await ctx.e.runtime.start({ name: 'plain' });
  const pa = await endedReal(ctx, 'plain', a.dagRunId, 1);
  const b = await ctx.e.runtime.start({ name: 'zero' });
  const pb = await endedReal(ctx, 'zero', b.dagRunId, 1);
  assert.equal(marks(ctx.e), ['failure failed', 'exit', 'failure failed', 'exit']);
  assert.is(pa.skippedHandler, undefined);
  assert.is(pb.skippedHandler, undefined);
});

real('a sub-DAG run is never auto-retried, so a failing child runs its failure handler; a stop runs the abort handler', async (ctx) => {
  ctx.e.writeDag('child', failing(ctx.e, 'retry_policy:\n  limit: 2\n  interval_sec: 60\n'));
  ctx.e.writeDag('parent', 'steps:\n  - id: call\n    action: dag.run\n    with: { dag: child }\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'parent' });
  const parent = await endedReal(ctx, 'parent', dagRunId, 1);
  assert.is(parent.statusLabel, 'failed');
  const ref = parent.steps[0]!.subRuns![0]!;
  const child = await endedReal(ctx, ref.name, ref.dagRunId, 1);
  assert.is(child.statusLabel, 'failed');
  assert.is(child.skippedHandler, undefined);
  assert.equal(marks(ctx.e), ['failure failed', 'exit']);
  await ctx.clock.advance(3600_000);
  assert.is((await ctx.e.runtime.getRun(ref.name, ref.dagRunId))!.attempt, 1, 'the child is not retried');

  ctx.e.writeDag('long', `retry_policy:\n  limit: 1\nenv:\n  - MARKS: ${marksOf(ctx.e)}\nhandler_on:\n  failure:\n    run: echo failure >> "$MARKS"\n  abort:\n    run: echo abort >> "$MARKS"\nsteps:\n  - name: a\n    run: sleep 30\n`);
  const long = await ctx.e.runtime.start({ name: 'long' });
  await until(async () => (await ctx.e.runtime.getRun('long', long.dagRunId))?.steps[0]?.statusLabel === 'running', 10_000, 'long to run');
  await ctx.e.runtime.stop('long', long.dagRunId);
  const stopped = await endedReal(ctx, 'long', long.dagRunId, 1);
  assert.is(stopped.statusLabel, 'aborted');
  assert.is(stopped.skippedHandler, undefined);
  assert.equal(marks(ctx.e).slice(2), ['abort']);
});

real('a CLI process (deferred retries) skips the failure handler too; the next server retries and the final attempt runs it', async (ctx) => {
  const dir = ctx.e.dir;
  await ctx.e.shutdown();
  await openReal(ctx, dir, true);
  ctx.e.writeDag('later', failing(ctx.e, 'retry_policy:\n  limit: 1\n  interval_sec: 60\n'));
  const { dagRunId } = await ctx.e.runtime.start({ name: 'later' });
  const first = await endedReal(ctx, 'later', dagRunId, 1);
  assert.is(first.skippedHandler?.handler, 'failure');
  await ctx.clock.advance(10 * MIN);
  assert.is((await ctx.e.runtime.getRun('later', dagRunId))!.attempt, 1, 'the CLI process schedules no retry');
  assert.equal(marks(ctx.e), ['exit']);
  await ctx.e.shutdown();
  await openReal(ctx, dir);
  await ctx.clock.advance(1);
  const second = await endedReal(ctx, 'later', dagRunId, 2);
  assert.is(second.statusLabel, 'failed');
  assert.equal(marks(ctx.e), ['exit', 'failure failed', 'exit']);
});

real.run();
