import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import type { ScheduleEntry } from '../../src/dag/types.ts';
import { evaluateWindow, schedulerMachine } from '../../src/machines/scheduler.machine.ts';
import type { SchedulerFact } from '../../src/machines/scheduler.machine.ts';

const s = suite('scheduler machine (pure: schedule entries and time in, firings out)');

const T0 = Date.UTC(2026, 0, 1, 0, 0);
const MIN = 60_000;
const cron = (text: string, form: ScheduleEntry['form'] = 'start'): ScheduleEntry => {
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  return { form, kind: 'cron', text, expression: tz ? tz[2]! : text, ...(tz ? { timezone: tz[1]! } : {}) };
};

function run(events: Array<Parameters<ReturnType<typeof createActor<typeof schedulerMachine>>['send']>[0]>) {
  const actor = createActor(schedulerMachine, { input: { timezone: 'UTC' } });
  const facts: SchedulerFact[] = [];
  actor.on('*', (f) => facts.push(f as SchedulerFact));
  actor.start();
  for (const e of events) actor.send(e);
  return { facts, actor };
}

s('a window with one fire time yields one due firing with its previous slot', () => {
  const facts = evaluateWindow([{ name: 'a', entries: [cron('*/5 * * * *')] }], T0, T0 + 5 * MIN, 60_000, 'UTC');
  assert.equal(facts, [{ type: 'schedule.due', dag: 'a', form: 'start', slotAt: T0 + 5 * MIN, previousSlotAt: T0, entry: '*/5 * * * *' }]);
});

s('several entries firing in the same minute fire once (at most one start per DAG per tick)', () => {
  const facts = evaluateWindow([{ name: 'a', entries: [cron('0 * * * *'), cron('*/30 * * * *'), cron('CRON_TZ=Asia/Tokyo 0 * * * *')] }], T0 + 59 * MIN, T0 + 60 * MIN, 60_000, 'UTC');
  assert.is(facts.length, 1);
  assert.is(facts[0]!.type, 'schedule.due');
});

s('fire times older than the grace are missed, not burst: only the newest fires, if it is in the grace', () => {
  // Down from 00:00 to 01:00:30: 12 fire times of */5 passed; 01:00 is 30 s old (in the grace).
  let facts = evaluateWindow([{ name: 'a', entries: [cron('*/5 * * * *')] }], T0, T0 + 60 * MIN + 30_000, 60_000, 'UTC');
  assert.equal(facts.map((f) => f.type), ['schedule.missed', 'schedule.due']);
  assert.equal(facts[0], { type: 'schedule.missed', dag: 'a', form: 'start', count: 11, truncated: false, firstAt: T0 + 5 * MIN, lastAt: T0 + 55 * MIN });
  // Down until 01:03: every fire time is missed, nothing fires.
  facts = evaluateWindow([{ name: 'a', entries: [cron('*/5 * * * *')] }], T0, T0 + 63 * MIN, 60_000, 'UTC');
  assert.equal(facts, [{ type: 'schedule.missed', dag: 'a', form: 'start', count: 12, truncated: false, firstAt: T0 + 5 * MIN, lastAt: T0 + 60 * MIN }]);
});

s('stop and restart entries fire in their own form; a one-off at entry fires once', () => {
  const at: ScheduleEntry = { form: 'start', kind: 'at', text: '2026-01-01T00:10:00Z', atMs: T0 + 10 * MIN };
  const dags = [{ name: 'a', entries: [cron('10 0 * * *', 'stop'), cron('10 0 * * *', 'restart'), at] }];
  const facts = evaluateWindow(dags, T0 + 9 * MIN, T0 + 10 * MIN, 60_000, 'UTC');
  assert.equal(facts.map((f) => `${f.type} ${f.form}`), ['schedule.due stop', 'schedule.due restart', 'schedule.due start']);
  assert.equal(evaluateWindow(dags, T0 + 10 * MIN, T0 + 2000 * MIN, 60_000, 'UTC').filter((f) => f.form === 'start'), []);
});

s('time zones: CRON_TZ entries fire at their zone\'s wall time, others at the scheduler\'s zone', () => {
  // 09:00 in Tokyo is 00:00 UTC; 09:00 in the scheduler zone (UTC) is 09:00 UTC.
  const dags = [{ name: 'a', entries: [cron('CRON_TZ=Asia/Tokyo 0 9 * * *')] }, { name: 'b', entries: [cron('0 9 * * *')] }];
  assert.equal(evaluateWindow(dags, T0 - MIN, T0, 60_000, 'UTC').map((f) => f.dag), ['a']);
  assert.equal(evaluateWindow(dags, T0 + 9 * 60 * MIN - MIN, T0 + 9 * 60 * MIN, 60_000, 'UTC').map((f) => f.dag), ['b']);
});

s('the actor: idle until started, evaluates ticks forward only, keeps next fire and next starts', () => {
  const { facts, actor } = run([
    { type: 'scheduler.start', now: T0 + 1000, since: T0 - 30 * MIN, dags: [{ name: 'a', entries: [cron('*/10 * * * *')] }, { name: 'none', entries: [] }] },
  ]);
  // Down 00:30 before T0: 23:40, 23:50 missed; 00:00 is 1 s old and fires.
  assert.equal(facts.map((f) => f.type), ['schedule.missed', 'schedule.due']);
  let ctx = actor.getSnapshot().context;
  assert.is(actor.getSnapshot().value, 'running');
  assert.is(ctx.nextFireAt, T0 + 10 * MIN);
  assert.equal(ctx.nextStarts, { a: T0 + 10 * MIN });
  facts.length = 0;
  actor.send({ type: 'scheduler.tick', now: T0 + 10 * MIN });
  actor.send({ type: 'scheduler.tick', now: T0 + 5 * MIN }); // the clock went back: nothing
  assert.equal(facts.map((f) => f.type === 'schedule.due' && f.slotAt), [T0 + 10 * MIN]);
  ctx = actor.getSnapshot().context;
  assert.is(ctx.evaluatedTo, T0 + 10 * MIN);
  assert.is(ctx.fired, 2);
  assert.is(ctx.missed, 2);
  actor.send({ type: 'scheduler.dags', now: T0 + 10 * MIN, dags: [] });
  assert.is(actor.getSnapshot().context.nextFireAt, null);
  actor.send({ type: 'scheduler.stop' });
  assert.is(actor.getSnapshot().status, 'done');
});

s('a first start (no previous life) evaluates nothing in the past', () => {
  const { facts } = run([{ type: 'scheduler.start', now: T0 + 1000, dags: [{ name: 'a', entries: [cron('* * * * *')] }] }]);
  assert.equal(facts, []);
});

s.run();
