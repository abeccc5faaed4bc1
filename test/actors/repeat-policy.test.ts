import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSimulatedClock } from '../../src/core/index.ts';
import type { SimulatedClock } from '../../src/core/simulated-clock.ts';
import { createInMemoryExecutor } from '../../src/actors/executors/in-memory.ts';
import type { MemoryJobScript } from '../../src/actors/executors/in-memory.ts';
import type { StepJob } from '../../src/actors/executors/port.ts';
import type { RunDetails, RuntimeEvent } from '../../src/actors/index.ts';
import { createTestEngine } from '../_support/engine.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestEngine } from '../_support/engine.ts';

/**
 * `repeat_policy` (reference §18.3) on the simulated clock: intervals, backoff and limits are
 * moved through, never waited for. Commands are scripted by the in-memory executor, so a
 * condition can change between executions.
 */
interface Ctx {
  clock: SimulatedClock;
  e: TestEngine;
  seen: RuntimeEvent[];
  /** Scripted outcome per command text; the default interprets the command. */
  script: (job: StepJob) => MemoryJobScript | undefined;
  commands: string[];
}
const s = suite<Ctx>('repeat_policy: repeat while/until on the simulated clock');

const T0 = Date.UTC(2026, 0, 1, 12);

s.before.each(async (ctx) => {
  ctx.clock = createSimulatedClock(T0);
  ctx.commands = [];
  ctx.script = () => undefined;
  const executor = createInMemoryExecutor({
    clock: ctx.clock,
    graceMs: 500,
    script: (job) => {
      ctx.commands.push(job.command);
      return ctx.script(job);
    },
  });
  ctx.e = await createTestEngine({ clock: ctx.clock, executor, killGraceMs: 500 });
  ctx.seen = [];
  ctx.e.runtime.events$.subscribe((ev) => ctx.seen.push(ev));
});
s.after.each(async (ctx) => {
  await ctx.e.close();
});

/** Simulated ms each repeat waited: from entering `repeating` to running again (the machine's own timer). */
function waits(ctx: Ctx, dagRunId: string): number[] {
  const t = ctx.seen.filter((ev) => ev.type === 'transition' && ev.actorKind === 'step' && ev.run?.dagRunId === dagRunId && ev.step === 'poll');
  const out: number[] = [];
  t.forEach((ev, i) => {
    if (ev.type === 'transition' && ev.to === 'repeating' && t[i + 1]) out.push(t[i + 1]!.at - ev.at);
  });
  return out;
}

async function runToEnd(ctx: Ctx, name: string, yaml: string, maxMs = 600_000): Promise<{ d: RunDetails; starts: number[]; waited: number[] }> {
  ctx.e.writeDag(name, yaml);
  const { dagRunId } = await ctx.e.runtime.start({ name });
  for (let t = 0; t <= maxMs && !ctx.seen.some((ev) => ev.type === 'run.finished' && ev.run.dagRunId === dagRunId); t += 500) await tick(ctx, 500);
  const d = (await ctx.e.runtime.getRun(name, dagRunId))!;
  const starts = ctx.seen.filter((ev) => ev.type === 'step.started' && ev.run.dagRunId === dagRunId && ev.step === 'poll').map((ev) => ev.at - T0);
  return { d, starts, waited: waits(ctx, dagRunId) };
}

/**
 * Moves simulated time by `ms`, then yields 1 real ms so the I/O a step start does (its job id
 * written to LevelDB first) can finish: otherwise a loaded machine lets simulated time run far
 * ahead of it. The assertions measure the machine's own timers, not these ticks.
 */
async function tick(ctx: Ctx, ms: number): Promise<void> {
  await ctx.clock.advance(ms);
  await new Promise((resolve) => setTimeout(resolve, 1));
}

const count = (ctx: Ctx, text: string) => ctx.commands.filter((c) => c.includes(text)).length;

s('until a condition: the step runs again every interval_sec until the condition command succeeds', async (ctx) => {
  let checks = 0;
  ctx.script = (job) => (job.command.includes('is-ready') ? { exitCode: ++checks >= 3 ? 0 : 1 } : undefined);
  const { d, starts, waited } = await runToEnd(ctx, 'until-cond', 'steps:\n  - id: poll\n    run: echo polling\n    repeat_policy:\n      repeat: until\n      condition: is-ready\n      interval_sec: 10\n  - id: next\n    depends: poll\n    run: echo done\n');
  assert.is(d.statusLabel, 'succeeded');
  assert.is(checks, 3, 'the condition was evaluated after each execution');
  assert.is(count(ctx, 'polling'), 3);
  assert.is(d.steps[0]!.repeatCount, 2);
  assert.equal(starts.length, 3, 'each execution is visible as a step.started');
  assert.equal(waited, [10_000, 10_000], 'interval_sec between executions');
  assert.is(d.steps[1]!.statusLabel, 'succeeded', 'dependents run after the last execution');
});

s('until a value match: condition is value-resolved and compared with expected', async (ctx) => {
  // The value never matches: the limit ends the repeats (limit caps total executions).
  const { d } = await runToEnd(ctx, 'until-value', 'params:\n  - STATE: pending\nsteps:\n  - id: poll\n    run: echo once\n    repeat_policy:\n      condition: "${params.STATE}"\n      expected: done\n      interval_sec: 1\n      limit: 4\n');
  assert.is(d.statusLabel, 'succeeded');
  assert.is(count(ctx, 'once'), 4);
  assert.is(d.steps[0]!.repeatCount, 3);
});

s('while an exit code: repeats while the step exits with a listed code, with backoff, then takes the last status', async (ctx) => {
  let runs = 0;
  ctx.script = (job) => (job.command.includes('work') ? { exitCode: ++runs < 3 ? 75 : 0 } : undefined);
  const { d, waited } = await runToEnd(ctx, 'while-code', 'steps:\n  - id: poll\n    run: work\n    repeat_policy:\n      exit_code: [75]\n      interval_sec: 4\n      backoff: 2\n');
  assert.is(d.statusLabel, 'succeeded');
  assert.is(runs, 3);
  assert.equal(waited, [4_000, 8_000], 'interval × backoff^n');
});

s('repeat: true repeats while the step succeeds, up to limit; a failing execution ends it failed', async (ctx) => {
  let runs = 0;
  ctx.script = (job) => (job.command.includes('tick') ? { exitCode: ++runs === 3 ? 2 : 0 } : undefined);
  const { d } = await runToEnd(ctx, 'while-ok', 'steps:\n  - id: poll\n    run: tick\n    repeat_policy: {repeat: true, interval_sec: 1, limit: 10}\n');
  assert.is(runs, 3);
  assert.is(d.steps[0]!.statusLabel, 'failed');
  assert.is(d.statusLabel, 'failed');
});

s('a stop while a repeating step waits for its interval ends the step with its last result', async (ctx) => {
  ctx.e.writeDag('forever', 'steps:\n  - id: poll\n    run: echo again\n    repeat_policy: {repeat: true, interval_sec: 60}\n');
  const { dagRunId } = await ctx.e.runtime.start({ name: 'forever' });
  for (let i = 0; i < 2000 && count(ctx, 'again') < 3; i++) await tick(ctx, 500);
  assert.is(count(ctx, 'again'), 3);
  assert.equal(waits(ctx, dagRunId), [60_000, 60_000]);
  // Now waiting for the third interval.
  for (let i = 0; i < 200 && ctx.seen.filter((ev) => ev.type === 'transition' && ev.step === 'poll' && ev.to === 'repeating').length < 3; i++) await tick(ctx, 100);
  await ctx.e.runtime.stop('forever', dagRunId);
  for (let i = 0; i < 200 && !ctx.seen.some((ev) => ev.type === 'run.finished' && ev.run.dagRunId === dagRunId); i++) await tick(ctx, 100);
  const d = (await ctx.e.runtime.getRun('forever', dagRunId))!;
  assert.is(d.steps[0]!.statusLabel, 'succeeded', 'the last execution succeeded');
  assert.is(d.statusLabel, 'aborted', 'the run itself was stopped');
  assert.is(count(ctx, 'again'), 3);
});

s.run();

// The condition sees the step's own fresh outputs (§18.3), with real step processes on a real
// LevelDB (the intervals on a simulated clock): each execution counts in a file and prints
// the count, and the condition reads it through the step's `output:` variable.

interface RealCtx {
  clock: SimulatedClock;
  e: TestEngine;
}
const real = suite<RealCtx>('repeat_policy: the condition sees the output of the execution just finished (real processes)');

real.before.each(async (ctx) => {
  ctx.clock = createSimulatedClock(T0);
  ctx.e = await createTestEngine({ clock: ctx.clock });
});
real.after.each(async (ctx) => {
  await ctx.e.close();
});

/** A step that counts its executions in `<dir>/n` and prints `count-<n>`. */
function counting(e: TestEngine, policy: string): string {
  const n = join(e.dir, 'n');
  return `steps:
  - id: poll
    run: |
      n=$(cat ${n} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${n}
      echo "count-$n"
    output: STATUS
    repeat_policy:
${policy}
      interval_sec: 1
      limit: 6
  - id: after
    depends: poll
    run: echo "after $STATUS"
    output: AFTER
`;
}

async function runReal(ctx: RealCtx, name: string, yaml: string): Promise<RunDetails> {
  ctx.e.writeDag(name, yaml);
  const { dagRunId } = await ctx.e.runtime.start({ name });
  for (let i = 0; i < 2000; i++) {
    await ctx.clock.advance(250);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const d = await ctx.e.runtime.getRun(name, dagRunId);
    if (d && ['succeeded', 'failed', 'aborted', 'partially_succeeded'].includes(d.statusLabel)) return d;
  }
  throw new Error(`${name} did not end`);
}

const executions = (ctx: RealCtx) => Number(readFileSync(join(ctx.e.dir, 'n'), 'utf8').trim());

real('until with expected: ${STATUS} is the output of the execution just finished; it stops at the third', async (ctx) => {
  const d = await runReal(ctx, 'until-output', counting(ctx.e, '      repeat: until\n      condition: "${STATUS}"\n      expected: count-3'));
  assert.is(d.statusLabel, 'succeeded');
  assert.is(executions(ctx), 3, 'not the limit (6): the third output matched');
  assert.is(d.steps[0]!.repeatCount, 2);
  assert.is(d.steps[0]!.outputs?.STATUS, 'count-3');
  assert.is(d.steps[1]!.outputs?.AFTER, 'after count-3', 'dependents see the last output');
});

real('while with a command condition: the check shell sees $STATUS of the execution just finished', async (ctx) => {
  const d = await runReal(ctx, 'while-output', counting(ctx.e, '      repeat: while\n      condition: test "$STATUS" != count-2'));
  assert.is(d.statusLabel, 'succeeded');
  assert.is(executions(ctx), 2, 'repeats while the last output is not count-2');
  assert.is(d.steps[0]!.outputs?.STATUS, 'count-2');
});

/**
 * `first` publishes STATUS=count-1; `poll` (after it) counts its executions in `n`, runs `last`
 * and publishes its own STATUS; it repeats while its STATUS is `expected`.
 */
function afterPredecessor(n: string, last: string, limit: number, expected = 'count-2'): string {
  return `steps:
  - id: first
    run: echo count-1
    output: STATUS
  - id: poll
    depends: first
    run: |
      n=$(cat ${n} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${n}
      ${last}
    output: STATUS
    repeat_policy:
      repeat: while
      condition: "\${STATUS}"
      expected: ${expected}
      interval_sec: 1
      limit: ${limit}
`;
}

real('a predecessor with the same output name does not stand in for the step own output', async (ctx) => {
  const n = join(ctx.e.dir, 'n');
  const d = await runReal(ctx, 'shadow', afterPredecessor(n, 'echo "count-$((n+1))"', 5));
  assert.is(d.statusLabel, 'succeeded');
  // The first execution prints count-2 (the condition holds: repeat), the second count-3 (stop).
  // Seeing the predecessor's count-1 instead would stop after one execution.
  assert.is(executions(ctx), 2);
  assert.is(d.steps[1]!.outputs?.STATUS, 'count-3');
});

real('after a failed execution the condition sees no output, not the predecessor value of the same name', async (ctx) => {
  const n = join(ctx.e.dir, 'n');
  const d = await runReal(ctx, 'failed-exec', afterPredecessor(n, 'exit 1', 3, 'count-1'));
  assert.is(executions(ctx), 1, 'count-1 (the predecessor) would have held and repeated to the limit');
  assert.is(d.steps[1]!.statusLabel, 'failed');
});

real.run();
