import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSimulatedClock } from '../../src/core/simulated-clock.ts';
import type { Subject } from '../../src/core/index.ts';
import { createEventJournal } from '../../src/streams/event-journal.ts';
import { createSseStream } from '../../src/streams/sse-stream.ts';
import type { StreamEnd } from '../../src/streams/sse-stream.ts';
import { DEFAULT_STREAM_LIMITS } from '../../src/streams/types.ts';
import type { Topic } from '../../src/streams/types.ts';
import { parseSse } from '../../src/streams/sse-client.ts';

const s = suite('createSseStream: framing, heartbeats on the injected clock, bounded buffer with gap on overflow');

const ADMIN: Subject = { userId: 'u', username: 'u', role: 'admin' };
function setup(limits: Partial<typeof DEFAULT_STREAM_LIMITS> = {}) {
  const clock = createSimulatedClock();
  const journal = createEventJournal<unknown>(() => true);
  const topic: Topic<unknown> = { name: 't', source: journal, authorize: () => {}, parseFilter: () => ({}), matches: () => true, visible: () => true };
  const ends: StreamEnd[] = [];
  const stream = createSseStream({ topic, filter: {}, subject: ADMIN, limits: { ...DEFAULT_STREAM_LIMITS, ...limits }, clock, onEnd: (e) => ends.push(e) });
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  const read = async () => {
    const { done, value } = await reader.read();
    return done ? null : decoder.decode(value);
  };
  return { clock, journal, stream, reader, read, ends };
}
const tick = () => new Promise((r) => setImmediate(r));

s('messages are framed with id, event and one-line JSON data; a heartbeat comment every 15 s of the clock', async () => {
  const { clock, journal, read, stream, ends } = setup();
  assert.match((await read())!, /^retry: 2000\n: t stream\n\n/);
  await tick();
  journal.append({ seq: 7, type: 'run.started', correlationId: 'c-1', data: { text: 'two\nlines' } });
  let text = '';
  while (!text.includes('run.started')) text += await read();
  const messages = [];
  for await (const m of parseSse([new TextEncoder().encode(text)])) messages.push(m);
  const ev = messages.find((m) => m.event === 'run.started')!;
  assert.is(ev.id, '7');
  assert.equal(JSON.parse(ev.data), { topic: 't', cursor: '7', event: 'run.started', correlationId: 'c-1', data: { text: 'two\nlines' } });
  const next = read();
  await clock.advance(14_999);
  await clock.advance(1);
  assert.is(await next, ': heartbeat\n\n');
  stream.close();
  assert.is(ends[0]!.reason, 'shutdown');
  assert.is(ends[0]!.delivered, 1);
  assert.is(clock.pending(), 0, 'no timer left behind');
});

s('a reader that stops reading overflows its own buffer: it gets a gap with the last cursor and the stream ends', async () => {
  const { journal, read, ends } = setup({ maxBufferMessages: 10 });
  await read();
  await tick();
  for (let i = 1; i <= 40; i++) journal.append({ seq: i, type: 'x', data: i });
  await tick();
  await tick();
  assert.is(ends.length, 0, 'ends once what is queued (and the gap) has been read');
  let text = '';
  for (let chunk = await read(); chunk !== null; chunk = await read()) text += chunk;
  const messages = [];
  for await (const m of parseSse([new TextEncoder().encode(text)])) messages.push(m);
  const gap = messages.find((m) => m.event === 'gap')!;
  assert.ok(gap, 'a gap');
  const body = JSON.parse(gap.data);
  assert.is(body.reason, 'overflow');
  const last = messages.filter((m) => m.event === 'x').at(-1)!;
  assert.is(body.cursor, last.id, 'resume after the last message it was sent');
  assert.is(gap.id, last.id, 'the gap id keeps Last-Event-ID on that cursor');
  assert.is(ends[0]!.reason, 'overflow');
});

s('a stalled reader that never reads the gap is cut after one heartbeat interval', async () => {
  const { clock, journal, read, ends, reader } = setup({ maxBufferMessages: 5 });
  await read();
  await tick();
  for (let i = 1; i <= 30; i++) journal.append({ seq: i, type: 'x', data: i });
  await tick();
  await tick();
  await clock.advance(15_000);
  assert.is(ends[0]?.reason, 'overflow');
  await reader.read().then(
    () => assert.unreachable('the stream errored'),
    () => {},
  );
});

s.run();
