import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject, filter, map } from 'rxjs';
import { guarded } from '../../src/streams/guarded-observable.ts';

const s = suite('guarded observable');

s('a throwing subscriber is reported, the others still receive every value, also through pipe', async () => {
  const source = new Subject<number>();
  const errors: unknown[] = [];
  const g = guarded(source.asObservable(), (e) => errors.push(e));
  const plain: number[] = [];
  const piped: number[] = [];
  g.subscribe(() => {
    throw new Error('bad next');
  });
  g.subscribe((v) => plain.push(v));
  g.pipe(
    filter((v) => v % 2 === 0),
    map((v) => v * 10),
  ).subscribe({
    next: (v) => {
      piped.push(v);
      if (v === 20) throw new Error('bad piped next');
    },
  });
  for (const v of [1, 2, 3, 4]) source.next(v);
  source.complete();
  // Give RxJS's asynchronous unhandled-error path a chance: nothing may reach it.
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(plain, [1, 2, 3, 4]);
  assert.equal(piped, [20, 40]);
  assert.equal(
    errors.map((e) => (e as Error).message),
    ['bad next', 'bad next', 'bad piped next', 'bad next', 'bad next'],
  );
});

s('complete and error callbacks are guarded too', () => {
  const source = new Subject<number>();
  const errors: string[] = [];
  const g = guarded(source.asObservable(), (e) => errors.push((e as Error).message));
  g.subscribe({
    complete: () => {
      throw new Error('bad complete');
    },
  });
  source.complete();
  assert.equal(errors, ['bad complete']);
});

s.run();
