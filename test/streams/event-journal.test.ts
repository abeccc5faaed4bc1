import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEventJournal } from '../../src/streams/event-journal.ts';

const s = suite('createEventJournal: a bounded, seq-ordered replay log');

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

s('keeps the newest items up to its capacity and reports what it dropped', async () => {
  const j = createEventJournal<unknown>(() => true, { capacity: 3 });
  assert.is(await j.retainedAfter(), 0);
  for (let i = 1; i <= 5; i++) j.append({ seq: i * 10, type: 't', data: i });
  assert.is(j.size, 3);
  assert.is(await j.retainedAfter(), 20);
  assert.is(await j.head(), 50);
  assert.equal((await collect(j.replay(0, {}))).map((i) => i.seq), [30, 40, 50]);
  assert.equal((await collect(j.replay(35, {}))).map((i) => i.seq), [40, 50]);
  assert.equal((await collect(j.replay(50, {}))).map((i) => i.seq), []);
});

s('startAfter marks everything before the journal as not retained', async () => {
  const j = createEventJournal<unknown>(() => true, { startAfter: 1000 });
  assert.is(await j.retainedAfter(), 1000);
  assert.is(await j.head(), 1000);
  assert.throws(() => j.append({ seq: 1000, type: 't', data: 0 }), /not above/);
});

s('replay applies the filter and is not disturbed by appends while it is read', async () => {
  const j = createEventJournal<{ even: boolean }>((i, f) => (i.seq % 2 === 0) === f.even);
  for (let i = 1; i <= 6; i++) j.append({ seq: i, type: 't', data: i });
  const seen: number[] = [];
  for await (const it of j.replay(0, { even: true })) {
    seen.push(it.seq);
    j.append({ seq: 100 + seen.length, type: 't', data: 0 });
  }
  assert.equal(seen, [2, 4, 6]);
});

s('live$ publishes every append', () => {
  const j = createEventJournal<unknown>(() => true);
  const seen: number[] = [];
  const sub = j.live$.subscribe((i) => seen.push(i.seq));
  j.append({ seq: 1, type: 't', data: 0 });
  j.append({ seq: 2, type: 't', data: 0 });
  sub.unsubscribe();
  j.append({ seq: 3, type: 't', data: 0 });
  assert.equal(seen, [1, 2]);
});

s.run();
