import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../src/actors/event-bus.ts';
import type { RuntimeEvent } from '../../src/actors/events.ts';
import { createMemoryLogger, createSimulatedClock } from '../../src/core/index.ts';

const s = suite('event bus');

function bus() {
  let n = 41;
  const logger = createMemoryLogger();
  const clock = createSimulatedClock(1000);
  return { logger, clock, bus: new EventBus(clock, { next: () => ++n, last: () => n }, logger) };
}

const domain = (id: string) => ({ type: 'domain' as const, action: 'dag_create' as const, resourceType: 'dag' as const, resourceId: id, workspace: 'default', details: {}, origin: { source: 'rest' as const, correlationId: 'c' } });

s('publish stamps seq, time and correlation id and delivers later, in order, outside the caller', async () => {
  const { bus: b } = bus();
  const seen: RuntimeEvent[] = [];
  b.subscribe('t', (e) => seen.push(e));
  const out = b.publish(domain('a'), 'corr-1');
  b.publish(domain('b'), 'corr-2');
  assert.is(seen.length, 0, 'not inside the publisher');
  assert.is(out.seq, 42);
  await Promise.resolve();
  assert.equal(seen.map((e) => [e.seq, e.at, e.correlationId]), [[42, 1000, 'corr-1'], [43, 1000, 'corr-2']]);
});

s('a failing subscriber is logged; later subscribers and events$ still receive the event', () => {
  const { bus: b, logger } = bus();
  const internal: number[] = [];
  const external: number[] = [];
  b.subscribe('bad', () => {
    throw new Error('boom');
  });
  b.subscribe('good', (e) => internal.push(e.seq));
  b.events$.subscribe((e) => external.push(e.seq));
  b.publish(domain('a'), '');
  b.drain();
  assert.equal(internal, [42]);
  assert.equal(external, [42]);
  const line = logger.lines.find((l) => l.msg === 'a backbone subscriber failed');
  assert.is(line?.subscriber, 'bad');
});

s('an event published by a subscriber is delivered after the current one, in the same drain', () => {
  const { bus: b } = bus();
  const order: string[] = [];
  b.subscribe('chain', (e) => {
    order.push((e as { resourceId: string }).resourceId);
    if ((e as { resourceId: string }).resourceId === 'a') b.publish(domain('b'), '');
  });
  b.subscribe('second', (e) => order.push(`2:${(e as { resourceId: string }).resourceId}`));
  b.publish(domain('a'), '');
  b.drain();
  assert.equal(order, ['a', '2:a', 'b', '2:b']);
});

s.run();
