import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createInMemoryExecutor } from '../../src/actors/index.ts';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { createSimulatedClock, runWithContext } from '../../src/core/index.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

// The event backbone of representative runs, against a table. Steps run on the in-memory
// executor and time is a simulated clock: retry intervals, timeouts and backoff are moved
// through, never slept on, and the sequences are deterministic.

interface Ctx {
  e: TestEngine;
  clock: ReturnType<typeof createSimulatedClock>;
  seen: RuntimeEvent[];
}

const s = suite<Ctx>('events$: lifecycle sequences of representative runs (in-memory executor, simulated clock)');


s.before.each(async (ctx: Ctx) => {
  ctx.clock = createSimulatedClock(Date.UTC(2026, 0, 1, 12));
  ctx.e = await createTestEngine({ clock: ctx.clock, executor: createInMemoryExecutor({ clock: ctx.clock, graceMs: 500 }), killGraceMs: 500 });
  ctx.seen = [];
  ctx.e.runtime.events$.subscribe((ev) => ctx.seen.push(ev));
});
s.after.each(async (ctx: Ctx) => {
  await ctx.e.close();
});

/** One line per fact: what an operator reading the run log would want to see. */
function line(ev: RuntimeEvent): string | undefined {
  switch (ev.type) {
    case 'domain':
      return ev.action;
    case 'transition':
      return undefined;
    case 'run.queued':
    case 'run.started':
      return ev.type;
    case 'step.started':
      return `step.started ${ev.step}${ev.retryCount ? ` #${ev.retryCount}` : ''}`;
    case 'step.retrying':
      return `step.retrying ${ev.step} exit=${ev.exitCode} in ${ev.delayMs}ms`;
    case 'step.finished':
      return `step.finished ${ev.step} ${ev.status}${ev.exitCode !== null ? ` exit=${ev.exitCode}` : ''}${ev.error ? ` (${ev.error})` : ''}${ev.continued ? ' continued' : ''}`;
    case 'run.finished':
      return `run.finished ${ev.status}${ev.error ? ` (${ev.error})` : ''}`;
    case 'run.interrupted':
      return ev.type;
  }
}

/** Moves the clock in small steps until the run has ended (or `maxMs` of simulated time passed). */
async function runToEnd(ctx: Ctx, name: string, dagRunId: string, maxMs = 120_000): Promise<void> {
  for (let t = 0; t <= maxMs; t += 100) {
    if (ctx.seen.some((ev) => ev.type === 'run.finished' && ev.run.dagRunId === dagRunId)) return;
    await ctx.clock.advance(100);
  }
  throw new Error(`run ${name}/${dagRunId} did not end within ${maxMs} simulated ms`);
}

const TABLE: Array<{ name: string; yaml: string; action?: (ctx: Ctx, id: string) => Promise<void>; expect: string[] }> = [
  {
    name: 'diamond',
    yaml: 'steps:\n  - name: a\n    run: echo a\n  - name: b\n    depends: a\n    run: echo b\n  - name: c\n    depends: a\n    run: echo c\n  - name: d\n    depends: [b, c]\n    run: echo d\n',
    expect: [
      'dag_execute',
      'run.started',
      'step.started a',
      'step.finished a succeeded exit=0',
      'step.started b',
      'step.started c',
      'step.finished b succeeded exit=0',
      'step.finished c succeeded exit=0',
      'step.started d',
      'step.finished d succeeded exit=0',
      'run.finished succeeded',
    ],
  },
  {
    name: 'retry',
    yaml: 'steps:\n  - name: flaky\n    run: exit 2\n    retry_policy:\n      limit: 2\n      interval_sec: 5\n      backoff: 2\n',
    expect: [
      'dag_execute',
      'run.started',
      'step.started flaky',
      'step.retrying flaky exit=2 in 5000ms',
      'step.started flaky #1',
      'step.retrying flaky exit=2 in 10000ms',
      'step.started flaky #2',
      'step.finished flaky failed exit=2 (exit code 2)',
      'run.finished failed',
    ],
  },
  {
    name: 'timeout',
    yaml: 'steps:\n  - name: slow\n    run: sleep 30\n    timeout_sec: 2\n  - name: after\n    depends: slow\n    run: echo never\n',
    expect: ['dag_execute', 'run.started', 'step.started slow', 'step.finished slow failed (timed out after 2s)', 'run.finished failed'],
  },
  {
    name: 'stop',
    yaml: 'steps:\n  - name: long\n    run: sleep 300\n',
    action: async (ctx, id) => {
      await ctx.clock.advance(1000);
      await ctx.e.runtime.stop('stop', id);
    },
    expect: ['dag_execute', 'run.started', 'step.started long', 'dag_terminate', 'step.finished long aborted (stopped)', 'run.finished aborted (stopped)'],
  },
  {
    name: 'continue_on',
    yaml: 'steps:\n  - name: a\n    run: exit 3\n    continue_on:\n      exit_code: [3]\n  - name: b\n    depends: a\n    run: echo b\n',
    expect: ['dag_execute', 'run.started', 'step.started a', 'step.finished a failed exit=3 (exit code 3) continued', 'step.started b', 'step.finished b succeeded exit=0', 'run.finished partially_succeeded'],
  },
];

for (const row of TABLE) {
  s(`${row.name}`, async (ctx: Ctx) => {
    ctx.e.writeDag(row.name, row.yaml);
    const { dagRunId } = await runWithContext({ source: 'rest', correlationId: `corr-${row.name}` }, () => ctx.e.runtime.start({ name: row.name }));
    // The job id is written to LevelDB before the job is submitted (real I/O): let the first
    // step start before simulated time runs.
    await until(() => ctx.seen.some((ev) => ev.type === 'step.started'), 10_000, 'the first step to start');
    if (row.action) await row.action(ctx, dagRunId);
    await runToEnd(ctx, row.name, dagRunId);
    const got = ctx.seen.map(line).filter((l): l is string => l !== undefined);
    if (row.name === 'diamond') {
      // b and c run in parallel: their four facts may interleave; each starts before it finishes.
      assert.equal(got.slice(0, 4), row.expect.slice(0, 4));
      assert.equal(got.slice(8), row.expect.slice(8));
      assert.equal(got.slice(4, 8).sort(), row.expect.slice(4, 8).sort());
      for (const st of ['b', 'c']) assert.ok(got.indexOf(`step.started ${st}`) < got.indexOf(`step.finished ${st} succeeded exit=0`));
    } else assert.equal(got, row.expect);
    // Every event carries the start call's correlation id and a strictly increasing seq.
    for (const ev of ctx.seen) if (ev.type !== 'domain' || ev.action === 'dag_execute') assert.is(ev.correlationId, `corr-${row.name}`);
    for (let i = 1; i < ctx.seen.length; i++) assert.ok(ctx.seen[i]!.seq > ctx.seen[i - 1]!.seq);
    // The record agrees with the facts.
    const d = await ctx.e.runtime.getRun(row.name, dagRunId);
    const last = row.expect[row.expect.length - 1]!.split(' ')[1];
    assert.is(d?.statusLabel, last);
  });
}

s('the retry interval waits on the clock: nothing happens until it has passed', async (ctx: Ctx) => {
  ctx.e.writeDag('wait', 'steps:\n  - name: w\n    run: exit 1\n    retry_policy:\n      limit: 1\n      interval_sec: 60\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'wait' });
  const starts = () => ctx.seen.filter((ev) => ev.type === 'step.started');
  const retrying = await until(() => ctx.seen.find((ev) => ev.type === 'step.retrying'), 10_000, 'the first try to fail');
  await ctx.clock.advance(59_000);
  assert.is(starts().length, 1, 'first try only');
  assert.is((await ctx.e.runtime.getRun('wait', dagRunId))?.steps[0]?.statusLabel, 'retrying');
  await ctx.clock.advance(1_000);
  const second = await until(() => starts()[1], 10_000, 'the retry');
  assert.is(second.at - retrying.at, 60_000, 'retried 60 s (simulated) after the failure');
  await runToEnd(ctx, 'wait', dagRunId);
});

s('a run timeout fails the run on the clock, with its running steps stopped', async (ctx: Ctx) => {
  ctx.e.writeDag('rt', 'timeout_sec: 10\nsteps:\n  - name: a\n    run: sleep 300\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'rt' });
  await until(() => ctx.seen.some((ev) => ev.type === 'step.started'), 10_000, 'the step to start');
  await ctx.clock.advance(9_900);
  assert.is((await ctx.e.runtime.getRun('rt', dagRunId))?.statusLabel, 'running');
  await runToEnd(ctx, 'rt', dagRunId);
  const d = await ctx.e.runtime.getRun('rt', dagRunId);
  assert.is(d?.statusLabel, 'failed');
  assert.is(d?.error, 'run timed out after 10s');
  assert.is(d?.steps[0]?.statusLabel, 'aborted');
});

s('enqueue emits run.queued (audited as dag_run_queued) before run.started', async (ctx: Ctx) => {
  ctx.e.writeDag('q', 'steps:\n  - name: a\n    run: echo a\n');
  const { dagRunId } = await ctx.e.runtime.enqueue({ name: 'q' });
  await runToEnd(ctx, 'q', dagRunId);
  assert.equal(ctx.seen.map(line).filter(Boolean), ['dag_enqueue', 'run.queued', 'run.started', 'step.started a', 'step.finished a succeeded exit=0', 'run.finished succeeded']);
});

s('transitions are persisted per attempt and readable after a sequence number, across a retry', async (ctx: Ctx) => {
  ctx.e.writeDag('tr', 'steps:\n  - name: a\n    run: exit 1\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'tr' });
  await runToEnd(ctx, 'tr', dagRunId);
  await ctx.e.runtime.retry('tr', dagRunId);
  for (let i = 0; i < 50 && ctx.seen.filter((ev) => ev.type === 'run.finished').length < 2; i++) await ctx.clock.advance(100);
  const all = await ctx.e.runtime.transitions('tr', dagRunId);
  assert.equal([...new Set(all.items.map((t) => t.run.attempt))], [1, 2]);
  const second = await ctx.e.runtime.transitions('tr', dagRunId, { attempt: 2 });
  assert.ok(second.items.length > 0 && second.items.every((t) => t.run.attempt === 2));
  assert.equal(
    second.items.filter((t) => t.actor === 'run').map((t) => t.to).slice(-1),
    ['failed'],
  );
  const live = ctx.seen.filter((ev) => ev.type === 'transition' && ev.actorKind !== 'session').map((ev) => ev.seq);
  assert.equal(all.items.map((t) => t.seq), live, 'the persisted transitions are exactly the streamed ones');
  const after = await ctx.e.runtime.transitions('tr', dagRunId, { afterSeq: live[2]! });
  assert.equal(after.items.map((t) => t.seq), live.slice(3));
});

s('step log and output: limits reach the record: truncated logs are marked, an oversized output fails the step clearly', async () => {
  const clock = createSimulatedClock();
  const e = await createTestEngine({ clock, executor: createInMemoryExecutor({ clock }), stepLimits: { logBytes: 1000, outputBytes: 16 } });
  try {
    e.writeDag('loud', 'steps:\n  - name: loud\n    run: yes | head -c 5000\n  - name: big\n    run: echo 0123456789abcdef0123456789\n    output: BIG\n');
    const { dagRunId } = await e.runtime.start({ name: 'loud' });
    for (let i = 0; i < 200 && (await e.runtime.getRun('loud', dagRunId))?.statusLabel === 'running'; i++) await clock.advance(100);
    const d = (await e.runtime.getRun('loud', dagRunId))!;
    assert.is(d.steps[0]!.statusLabel, 'succeeded');
    assert.is(d.steps[0]!.logTruncated, true);
    const log = await e.runtime.stepLog('loud', dagRunId, 'loud', 'stdout', 100_000);
    assert.ok(log.content.includes('log truncated'), 'the marker is in the log');
    assert.ok(Buffer.byteLength(log.content) < 1300, `bounded (${Buffer.byteLength(log.content)} bytes)`);
    assert.is(d.steps[1]!.statusLabel, 'failed');
    assert.match(d.steps[1]!.error ?? '', /max_output_size/);
    assert.is(d.steps[1]!.logTruncated, undefined);
  } finally {
    await e.close();
  }
});

s.run();
