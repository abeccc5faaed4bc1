import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { batch } from '../../src/streams/index.ts';

const s = suite('batch');
const scheduler = () => new TestScheduler((actual, expected) => assert.equal(actual, expected));

s('closes a batch maxMs after its first item, and never emits empty batches', () => {
  scheduler().run(({ cold, expectObservable }) => {
    // a at 0 and b at 2 are emitted at 5; c at 15 would wait until 20, but completion at 18 flushes it.
    const source = cold('a-b------------c--|');
    expectObservable(source.pipe(batch({ maxMs: 5, maxCount: 10 }))).toBe('-----x------------(y|)', { x: ['a', 'b'], y: ['c'] });
  });
});

s('closes a batch as soon as it holds maxCount items', () => {
  scheduler().run(({ cold, expectObservable }) => {
    // A group takes as many frames as its characters: a, b, c at 0, d at 5, completion at 6.
    const source = cold('(abc)d|');
    expectObservable(source.pipe(batch({ maxMs: 50, maxCount: 2 }))).toBe('x----y|', { x: ['a', 'b'], y: ['c', 'd'] });
  });
});

s('a window given as a function is asked per batch with the size of the batch before', () => {
  scheduler().run(({ cold, expectObservable }) => {
    // First window 3 (nothing before); after a batch of 3 the window is 10, after one of 1 it is 3 again.
    const windowOf = (previous: number) => (previous >= 3 ? 10 : 3);
    const source = cold('(abc)----d--------------e---|');
    expectObservable(source.pipe(batch({ maxMs: windowOf, maxCount: 100 }))).toBe('---x' + '-'.repeat(15) + 'y' + '-'.repeat(7) + 'z|', { x: ['a', 'b', 'c'], y: ['d'], z: ['e'] });
  });
});

s('flush$ emits the open batch at once', () => {
  scheduler().run(({ cold, hot, expectObservable }) => {
    const source = cold('a-b-------|');
    const flush$ = hot(' ---f------');
    expectObservable(source.pipe(batch({ maxMs: 100, maxCount: 10, flush$ }))).toBe('---x------|', { x: ['a', 'b'] });
  });
});

s('an idle stream schedules no timer; errors pass through', () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold('------#').pipe(batch({ maxMs: 2, maxCount: 10 }))).toBe('------#');
  });
  const input = new Subject<number>();
  const got: number[][] = [];
  input.pipe(batch({ maxMs: 1000, maxCount: 3 })).subscribe((b) => got.push(b));
  input.next(1);
  input.next(2);
  input.next(3);
  input.complete();
  assert.equal(got, [[1, 2, 3]]);
  assert.throws(() => batch({ maxMs: 1, maxCount: 0 }), /maxCount/);
});

s.run();
