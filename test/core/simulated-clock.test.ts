import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, setup } from 'xstate';
import { createSimulatedClock } from '../../src/core/index.ts';

test('timers fire in time order, each at its own time, only when advanced', async () => {
  const clock = createSimulatedClock(1000);
  const fired: Array<[string, number]> = [];
  clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
  clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
  assert.equal(fired, []);
  await clock.advance(150);
  assert.equal(fired, [['a', 1100]]);
  assert.is(clock.now(), 1150);
  await clock.advance(50);
  assert.equal(fired, [['a', 1100], ['b', 1200]]);
  assert.is(clock.pending(), 0);
});

test('cleared timers never fire; timers set while advancing fire within the window', async () => {
  const clock = createSimulatedClock(0);
  const fired: number[] = [];
  const h = clock.setTimeout(() => fired.push(-1), 10);
  clock.clearTimeout(h);
  clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 30), 10);
  await clock.advance(100);
  assert.equal(fired, [40]);
});

test('async work started by a timer runs before the next timer', async () => {
  const clock = createSimulatedClock(0);
  const order: string[] = [];
  clock.setTimeout(() => void Promise.resolve().then(() => order.push('then')), 10);
  clock.setTimeout(() => order.push('second'), 20);
  await clock.advance(20);
  assert.equal(order, ['then', 'second']);
});

test('drives xstate delayed transitions', async () => {
  const clock = createSimulatedClock(0);
  const machine = setup({}).createMachine({ initial: 'waiting', states: { waiting: { after: { 5000: 'done' } }, done: {} } });
  const actor = createActor(machine, { clock }).start();
  await clock.advance(4999);
  assert.is(actor.getSnapshot().value, 'waiting');
  await clock.advance(1);
  assert.is(actor.getSnapshot().value, 'done');
});

test('next() jumps to the next timer', async () => {
  const clock = createSimulatedClock(0);
  let hit = 0;
  clock.setTimeout(() => hit++, 1_000_000);
  assert.ok(await clock.next());
  assert.is(hit, 1);
  assert.is(clock.now(), 1_000_000);
  assert.not.ok(await clock.next());
});

test.run();
