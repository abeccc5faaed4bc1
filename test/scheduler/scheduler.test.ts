import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createInMemoryExecutor } from '../../src/actors/index.ts';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { createMemoryLogger, createSimulatedClock, runWithContext } from '../../src/core/index.ts';
import type { SimulatedClock } from '../../src/core/index.ts';
import { createScheduler } from '../../src/scheduler/scheduler.ts';
import type { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createLevelSchedulerStore } from '../../src/store/level-scheduler-store.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';

// The server's scheduler on a real runtime and LevelDB, with steps on the in-memory executor and
// time on a simulated clock: hours of schedule pass in milliseconds, never a real minute.

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;

interface Ctx {
  clock: SimulatedClock;
  e: TestEngine;
  scheduler: Scheduler;
  logger: ReturnType<typeof createMemoryLogger>;
  seen: RuntimeEvent[];
}

async function open(ctx: Ctx, dir?: string): Promise<void> {
  ctx.e = await createTestEngine({ ...(dir ? { dir } : {}), clock: ctx.clock, executor: createInMemoryExecutor({ clock: ctx.clock, graceMs: 500 }), killGraceMs: 500 });
  ctx.e.runtime.events$.subscribe((ev) => ctx.seen.push(ev));
  ctx.scheduler = createScheduler({ runtime: ctx.e.runtime, clock: ctx.clock, logger: ctx.logger, state: createLevelSchedulerStore(ctx.e.db), timezone: 'UTC' });
}

async function reopen(ctx: Ctx, downMs: number): Promise<void> {
  await ctx.scheduler.close();
  const dir = ctx.e.dir;
  await ctx.e.shutdown();
  ctx.clock.set(ctx.clock.now() + downMs);
  await open(ctx, dir);
  await ctx.scheduler.start();
}

const s = suite<Ctx>('scheduler: schedules fire on simulated time (real runtime and LevelDB)');

s.before.each(async (ctx) => {
  ctx.clock = createSimulatedClock(T0 + 1000);
  ctx.logger = createMemoryLogger();
  ctx.seen = [];
  await open(ctx);
});
s.after.each(async (ctx) => {
  await ctx.scheduler.close();
  await ctx.e.close();
});

/** Moves the clock to `at`, then lets every firing be carried out and every run it started end. */
async function advanceTo(ctx: Ctx, at: number): Promise<void> {
  await ctx.clock.advance(at - ctx.clock.now());
  await ctx.scheduler.idle();
  await until(async () => (await ctx.e.runtime.listRuns({ status: ['queued'] })).items.length === 0, 10_000, 'queued runs to start');
}

async function runsOf(ctx: Ctx, name: string) {
  return (await ctx.e.runtime.listRuns({ name, limit: 100 })).items.reverse();
}

async function settle(ctx: Ctx, name: string): Promise<void> {
  await until(async () => (await runsOf(ctx, name)).every((r) => r.statusLabel !== 'running' && r.statusLabel !== 'queued'), 10_000, `runs of ${name} to end`);
}

s('a */5 schedule fires at each slot with trigger scheduler, its own correlation id, source=scheduler', async (ctx) => {
  ctx.e.writeDag('tick', 'schedule: "*/5 * * * *"\nsteps:\n  - name: a\n    run: echo "slot ${context.run.scheduled_at} by ${context.trigger.type}"\n');
  await ctx.scheduler.start();
  assert.equal(ctx.scheduler.nextStarts(), { tick: '2026-01-01T12:05:00.000Z' });
  await advanceTo(ctx, T0 + 4 * MIN);
  assert.is((await runsOf(ctx, 'tick')).length, 0, 'nothing before the first slot');
  await advanceTo(ctx, T0 + 5 * MIN);
  await settle(ctx, 'tick');
  await advanceTo(ctx, T0 + 10 * MIN);
  await settle(ctx, 'tick');
  const runs = await runsOf(ctx, 'tick');
  assert.equal(runs.map((r) => [r.trigger, r.scheduledAt, r.statusLabel]), [
    ['scheduler', '2026-01-01T12:05:00.000Z', 'succeeded'],
    ['scheduler', '2026-01-01T12:10:00.000Z', 'succeeded'],
  ]);
  // Each firing is a call of its own: an enqueue attributed to the scheduler, with a fresh correlation id.
  const enqueues = ctx.seen.filter((ev): ev is Extract<RuntimeEvent, { type: 'domain' }> => ev.type === 'domain' && ev.action === 'dag_enqueue');
  assert.is(enqueues.length, 2);
  assert.ok(enqueues.every((ev) => ev.origin.source === 'scheduler'));
  assert.is.not(enqueues[0]!.correlationId, enqueues[1]!.correlationId);
  assert.equal(runs.map((r) => r.correlationId), enqueues.map((ev) => ev.correlationId));
  // The step sees its slot: ${context.run.scheduled_at} and the trigger.
  const log = await ctx.e.runtime.stepLog('tick', runs[0]!.dagRunId, 'a', 'stdout');
  assert.is(log.content.trim(), 'slot 2026-01-01T12:05:00.000Z by scheduler');
  // The scheduler is an actor on the event stream like any other.
  assert.ok(ctx.seen.some((ev) => ev.type === 'transition' && ev.actorKind === 'scheduler' && ev.actorId === 'scheduler:scheduler' && ev.to === 'running'));
});

s('profile-scoped entries never fire (Troupe selects no runtime profile), and say so once; the unscoped entries of the same DAG do', async (ctx) => {
  ctx.e.writeDag('prod-only', 'schedule:\n  - expression: "*/5 * * * *"\n    profile: prod\nsteps:\n  - run: echo prod\n');
  ctx.e.writeDag('mixed', 'schedule:\n  - expression: "*/10 * * * *"\n    profile: prod\n  - "*/5 * * * *"\nsteps:\n  - run: echo mixed\n');
  await ctx.scheduler.start();
  assert.equal(ctx.scheduler.nextStarts(), { mixed: '2026-01-01T12:05:00.000Z' });
  await advanceTo(ctx, T0 + 5 * MIN);
  await settle(ctx, 'mixed');
  await advanceTo(ctx, T0 + 10 * MIN);
  await settle(ctx, 'mixed');
  assert.is((await runsOf(ctx, 'prod-only')).length, 0);
  assert.equal((await runsOf(ctx, 'mixed')).map((r) => r.scheduledAt), ['2026-01-01T12:05:00.000Z', '2026-01-01T12:10:00.000Z'], 'the */10 prod entry adds no firing at 12:10');
  const said = ctx.logger.lines.filter((l) => /profile-scoped schedule entries never fire/.test(l.msg));
  assert.equal(said.map((l) => l.dag).sort(), ['mixed', 'prod-only']);
});

s('across a restart, firings missed while down are logged and skipped, not burst; the next slot fires', async (ctx) => {
  ctx.e.writeDag('tick', 'schedule: "*/5 * * * *"\nsteps:\n  - name: a\n    run: echo hi\n');
  await ctx.scheduler.start();
  await advanceTo(ctx, T0 + 5 * MIN);
  await settle(ctx, 'tick');
  assert.is((await runsOf(ctx, 'tick')).length, 1);
  // Down from 12:05 to 13:02:00: 11 slots (12:10 … 13:00) pass unseen.
  await reopen(ctx, 57 * MIN - 1000);
  await ctx.scheduler.idle();
  assert.is((await runsOf(ctx, 'tick')).length, 1, 'no burst of missed runs at start');
  const missed = ctx.logger.lines.find((l) => /^missed/.test(l.msg));
  assert.ok(missed, 'the missed firings are logged');
  assert.is(missed!.count, 11);
  assert.is(missed!.first, '2026-01-01T12:10:00.000Z');
  assert.is(missed!.last, '2026-01-01T13:00:00.000Z');
  await advanceTo(ctx, T0 + 65 * MIN);
  await settle(ctx, 'tick');
  const runs = await runsOf(ctx, 'tick');
  assert.equal(runs.map((r) => r.scheduledAt), ['2026-01-01T12:05:00.000Z', '2026-01-01T13:05:00.000Z']);
});

s('skip_if_successful: a start is skipped when the latest run succeeded since the previous fire time', async (ctx) => {
  ctx.e.writeDag('daily', 'schedule: "*/10 * * * *"\nskip_if_successful: true\nsteps:\n  - name: a\n    run: echo hi\n');
  await ctx.scheduler.start();
  await advanceTo(ctx, T0 + 3 * MIN);
  // A manual run at 12:03, after the 12:00 fire time: the 12:10 start is skipped.
  const manual = await runWithContext({ source: 'rest', correlationId: 'manual' }, () => ctx.e.runtime.start({ name: 'daily' }));
  await settle(ctx, 'daily');
  await advanceTo(ctx, T0 + 10 * MIN);
  assert.equal((await runsOf(ctx, 'daily')).map((r) => r.dagRunId), [manual.dagRunId]);
  assert.ok(ctx.logger.lines.some((l) => /skip_if_successful/.test(l.msg) && l.slot === '2026-01-01T12:10:00.000Z'));
  // 12:20: the latest success (12:03) is before the previous fire time (12:10): it runs.
  await advanceTo(ctx, T0 + 20 * MIN);
  await settle(ctx, 'daily');
  assert.equal((await runsOf(ctx, 'daily')).map((r) => r.trigger), ['manual', 'scheduler']);
});

s('no overlap: a start is skipped while the previous run still runs, unless overlap_policy: all queues it', async (ctx) => {
  ctx.e.writeDag('slow', 'schedule: "*/5 * * * *"\nsteps:\n  - name: a\n    run: sleep 420\n');
  ctx.e.writeDag('stacked', 'schedule: "*/5 * * * *"\noverlap_policy: all\nsteps:\n  - name: a\n    run: sleep 420\n');
  await ctx.scheduler.start();
  await advanceTo(ctx, T0 + 5 * MIN);
  await until(async () => (await runsOf(ctx, 'slow'))[0]?.statusLabel === 'running', 10_000, 'the first run to run');
  await ctx.clock.advance(5 * MIN);
  await ctx.scheduler.idle();
  assert.equal((await runsOf(ctx, 'slow')).map((r) => r.statusLabel), ['running']);
  assert.ok(ctx.logger.lines.some((l) => /skipped: the DAG has a run in progress/.test(l.msg) && l.dag === 'slow'));
  // overlap_policy: all: the second run waits in the DAG's queue (one at a time) and runs after.
  assert.equal((await runsOf(ctx, 'stacked')).map((r) => r.statusLabel), ['running', 'queued']);
});

s('stop and restart schedules: stop ends a running run; restart stops it and starts a new one', async (ctx) => {
  ctx.e.writeDag('worker', 'schedule:\n  start: "0 * * * *"\n  stop: "20 * * * *"\n  restart: "40 * * * *"\nsteps:\n  - name: a\n    run: sleep 7200\n');
  await ctx.scheduler.start();
  await advanceTo(ctx, T0 + 60 * MIN);
  await until(async () => (await runsOf(ctx, 'worker'))[0]?.statusLabel === 'running', 10_000, 'the started run');
  await ctx.clock.advance(20 * MIN);
  await ctx.scheduler.idle();
  await settle(ctx, 'worker');
  assert.equal((await runsOf(ctx, 'worker')).map((r) => r.statusLabel), ['aborted']);
  // 13:40 restart with nothing running: it starts one (restart has no running-guard).
  await ctx.clock.advance(20 * MIN);
  await ctx.scheduler.idle();
  await until(async () => (await runsOf(ctx, 'worker'))[1]?.statusLabel === 'running', 10_000, 'the restarted run');
  // 14:00 start is skipped (running); 14:40 restart stops it and starts again.
  await ctx.clock.advance(60 * MIN);
  await ctx.scheduler.idle();
  await until(async () => (await runsOf(ctx, 'worker')).length === 3 && (await runsOf(ctx, 'worker'))[2]!.statusLabel === 'running', 10_000, 'the second restart');
  assert.equal((await runsOf(ctx, 'worker')).map((r) => r.statusLabel), ['aborted', 'aborted', 'running']);
});

s('DAG changes are picked up: a schedule added by putDag fires; removing it stops the firings', async (ctx) => {
  await ctx.scheduler.start();
  await ctx.e.runtime.putDag('later', 'schedule: "*/5 * * * *"\nsteps:\n  - name: a\n    run: echo hi\n');
  await ctx.scheduler.idle();
  assert.equal(ctx.scheduler.nextStarts(), { later: '2026-01-01T12:05:00.000Z' });
  assert.equal((await ctx.e.runtime.listDags()).map((d) => [d.name, d.nextRun]), [['later', '2026-01-01T12:05:00.000Z']]);
  await advanceTo(ctx, T0 + 5 * MIN);
  await settle(ctx, 'later');
  await ctx.e.runtime.putDag('later', 'steps:\n  - name: a\n    run: echo hi\n');
  await ctx.scheduler.idle();
  await advanceTo(ctx, T0 + 20 * MIN);
  assert.is((await runsOf(ctx, 'later')).length, 1);
  assert.equal(ctx.scheduler.nextStarts(), {});
});

s('a slot runs once: a restart inside the grace after a firing whose state was not saved does not fire it again', async (ctx) => {
  ctx.e.writeDag('tick', 'schedule: "*/5 * * * *"\nsteps:\n  - name: a\n    run: echo hi\n');
  await ctx.scheduler.start();
  await advanceTo(ctx, T0 + 5 * MIN);
  await settle(ctx, 'tick');
  // As if the previous life died right after enqueueing: its saved state predates the slot.
  await createLevelSchedulerStore(ctx.e.db).saveEvaluatedTo(T0 + 4 * MIN);
  await reopen(ctx, 20_000);
  await ctx.scheduler.idle();
  assert.is((await runsOf(ctx, 'tick')).length, 1);
  assert.ok(ctx.logger.lines.some((l) => /that slot already ran/.test(l.msg)));
});

s('restart waits restart_wait_sec between the stop and the start', async (ctx) => {
  ctx.e.writeDag('svc', 'schedule:\n  start: "0 * * * *"\n  restart: "30 * * * *"\nrestart_wait_sec: 90\nsteps:\n  - name: a\n    run: sleep 7200\n');
  await ctx.scheduler.start();
  await advanceTo(ctx, T0 + 60 * MIN);
  await until(async () => (await runsOf(ctx, 'svc'))[0]?.statusLabel === 'running', 10_000, 'the started run');
  await ctx.clock.advance(30 * MIN);
  await until(async () => (await runsOf(ctx, 'svc'))[0]?.statusLabel === 'aborted', 10_000, 'the stop');
  await ctx.clock.advance(89_000);
  assert.is((await runsOf(ctx, 'svc')).length, 1, 'not before restart_wait_sec');
  await ctx.clock.advance(1_000);
  await ctx.scheduler.idle();
  await until(async () => (await runsOf(ctx, 'svc'))[1]?.statusLabel === 'running', 10_000, 'the restarted run');
  assert.is((await runsOf(ctx, 'svc'))[1]!.scheduledAt, '2026-01-01T13:30:00.000Z');
});

s.run();
