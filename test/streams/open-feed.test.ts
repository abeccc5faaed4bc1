import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEventJournal } from '../../src/streams/event-journal.ts';
import { openFeed } from '../../src/streams/open-feed.ts';
import type { FeedSink } from '../../src/streams/open-feed.ts';
import type { Gap, StreamItem, Topic, TopicSource } from '../../src/streams/types.ts';
import type { Subject } from '../../src/core/index.ts';

const s = suite('openFeed: store replay then live, no gap, no duplicate, explicit gaps, bounded');

const ADMIN: Subject = { userId: 'u', username: 'u', role: 'admin' };
const item = (seq: number, extra: Partial<StreamItem> = {}): StreamItem => ({ seq, type: 't', data: { n: seq }, ...extra });

function topicOver<F>(source: TopicSource<F>, matches: (i: StreamItem, f: F) => boolean = () => true, visible: (i: StreamItem, s: Subject) => boolean = () => true): Topic<F> {
  return { name: 'test', source, authorize: () => {}, parseFilter: () => ({}) as F, matches, visible };
}

interface Recorder extends FeedSink {
  seqs: number[];
  gaps: Gap[];
  ends: string[];
}
function recorder(capacity = Infinity): Recorder {
  const r: Recorder = {
    seqs: [],
    gaps: [],
    ends: [],
    event(i) {
      if (r.seqs.length >= capacity) return false;
      r.seqs.push(i.seq);
      return true;
    },
    gap: (g) => void r.gaps.push(g),
    pressured: () => false,
    ready: () => Promise.resolve(),
    end: (reason) => void r.ends.push(reason),
  };
  return r;
}

/** A source whose replay yields slowly, appending new live items while it reads. */
function racingSource(stored: number, appendDuringReplay: number) {
  const journal = createEventJournal<unknown>(() => true);
  for (let i = 1; i <= stored; i++) journal.append(item(i));
  let next = stored + 1;
  const source: TopicSource<unknown> = {
    live$: journal.live$,
    retainedAfter: () => journal.retainedAfter(),
    head: () => journal.head(),
    // Reads the journal one item at a time, so it also sees items published after the feed
    // opened: those arrive twice (held live, and from the store) and must be delivered once.
    async *replay(after, filter) {
      let cursor = after;
      for (;;) {
        let found: StreamItem | undefined;
        for await (const it of journal.replay(cursor, filter)) {
          found = it;
          break;
        }
        if (!found) return;
        for (let k = 0; k < appendDuringReplay && next <= stored + 50; k++) journal.append(item(next++));
        await Promise.resolve();
        cursor = found.seq;
        yield found;
      }
    },
  };
  return { source, journal, appendMore: (n: number) => { for (let k = 0; k < n; k++) journal.append(item(next++)); }, last: () => next - 1 };
}

s('resume from the middle: every item after the cursor exactly once, in order, while items keep arriving', async () => {
  const { source, appendMore, last } = racingSource(30, 2);
  const sink = recorder();
  const feed = openFeed({ topic: topicOver(source), filter: {}, subject: ADMIN, after: 12, sink, maxPendingLive: 1000 });
  await feed.live;
  appendMore(5);
  const expected = Array.from({ length: last() - 12 }, (_, i) => 13 + i);
  assert.equal(sink.seqs, expected);
  assert.equal(sink.gaps, []);
  assert.is(feed.lastSeq, last());
});

s('live only without a cursor: nothing from the store', async () => {
  const { source, appendMore } = racingSource(10, 0);
  const sink = recorder();
  const feed = openFeed({ topic: topicOver(source), filter: {}, subject: ADMIN, sink, maxPendingLive: 10 });
  await feed.live;
  appendMore(2);
  assert.equal(sink.seqs, [11, 12]);
  feed.close();
  appendMore(1);
  assert.equal(sink.seqs, [11, 12], 'nothing after close');
});

s('a cursor older than what is retained gets a retention gap with the oldest cursor, then the rest', async () => {
  const journal = createEventJournal<unknown>(() => true, { capacity: 5 });
  for (let i = 1; i <= 12; i++) journal.append(item(i));
  const sink = recorder();
  await openFeed({ topic: topicOver(journal), filter: {}, subject: ADMIN, after: 3, sink, maxPendingLive: 10 }).live;
  assert.equal(sink.gaps, [{ reason: 'retention', cursor: '7', requested: '3' }]);
  assert.equal(sink.seqs, [8, 9, 10, 11, 12]);
});

s('a cursor the source never issued (beyond its head) is a gap too, and live items then flow', async () => {
  const journal = createEventJournal<unknown>(() => true);
  for (let i = 1; i <= 3; i++) journal.append(item(i));
  const sink = recorder();
  await openFeed({ topic: topicOver(journal), filter: {}, subject: ADMIN, after: 99, sink, maxPendingLive: 10 }).live;
  journal.append(item(4));
  assert.equal(sink.gaps, [{ reason: 'retention', cursor: '3', requested: '99' }]);
  assert.equal(sink.seqs, [4]);
});

s('filter and visibility apply to replayed and live items alike', async () => {
  const journal = createEventJournal<{ odd: boolean }>((i, f) => (i.seq % 2 === 1) === f.odd);
  for (let i = 1; i <= 6; i++) journal.append(item(i, { workspace: i === 3 ? 'hidden' : 'ok' }));
  const topic = topicOver(journal, (i, f: { odd: boolean }) => (i.seq % 2 === 1) === f.odd, (i) => i.workspace !== 'hidden');
  const sink = recorder();
  await openFeed({ topic, filter: { odd: true }, subject: ADMIN, after: 0, sink, maxPendingLive: 10 }).live;
  journal.append(item(7, { workspace: 'hidden' }));
  journal.append(item(8, { workspace: 'ok' }));
  journal.append(item(9, { workspace: 'ok' }));
  assert.equal(sink.seqs, [1, 5, 9]);
});

s('a live item the sink cannot take ends the feed with an overflow gap at the last delivered cursor', async () => {
  const journal = createEventJournal<unknown>(() => true);
  const sink = recorder(3);
  const feed = openFeed({ topic: topicOver(journal), filter: {}, subject: ADMIN, sink, maxPendingLive: 10 });
  await feed.live;
  for (let i = 1; i <= 10; i++) journal.append(item(i));
  assert.equal(sink.seqs, [1, 2, 3]);
  assert.equal(sink.gaps, [{ reason: 'overflow', cursor: '3' }]);
  assert.equal(sink.ends, ['overflow']);
});

s('replay waits while the sink is pressured instead of flooding it', async () => {
  const journal = createEventJournal<unknown>(() => true);
  for (let i = 1; i <= 20; i++) journal.append(item(i));
  let release: (() => void) | undefined;
  const seqs: number[] = [];
  const sink: FeedSink = {
    event: (i) => {
      seqs.push(i.seq);
      return true;
    },
    gap: () => {},
    pressured: () => seqs.length >= 5 && release === undefined,
    ready: () => new Promise<void>((r) => (release = r)),
    end: () => {},
  };
  const feed = openFeed({ topic: topicOver(journal), filter: {}, subject: ADMIN, after: 0, sink, maxPendingLive: 100 });
  await new Promise((r) => setImmediate(r));
  assert.is(seqs.length, 5, 'stopped at the pressure point');
  release!();
  await feed.live;
  assert.is(seqs.length, 20);
});

s('a source that fails during replay ends the feed with an error, not a crash', async () => {
  const journal = createEventJournal<unknown>(() => true);
  const source: TopicSource<unknown> = {
    live$: journal.live$,
    retainedAfter: async () => 0,
    head: async () => 10,
    // eslint-disable-next-line require-yield
    async *replay() {
      throw new Error('store gone');
    },
  };
  const sink = recorder();
  await openFeed({ topic: topicOver(source), filter: {}, subject: ADMIN, after: 1, sink, maxPendingLive: 10 }).live;
  assert.equal(sink.ends, ['error']);
});

s.run();
