import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SessionEventStore } from '../../src/mcp/event-store.ts';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const s = suite('mcp/event-store');
const note = (uri: string): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } });

async function replay(store: SessionEventStore, after: string) {
  const seen: Array<[string, JSONRPCMessage]> = [];
  const stream = await store.replayEventsAfter(after, { send: async (id, m) => void seen.push([id, m]) });
  return { stream, seen };
}

s('replays the standalone GET stream after Last-Event-ID, not other streams', async () => {
  const store = new SessionEventStore();
  const first = await store.storeEvent('_GET_stream', note('a'));
  await store.storeEvent('req-1', note('other'));
  const second = await store.storeEvent('_GET_stream', note('b'));
  assert.is(await store.getStreamIdForEventId(first), '_GET_stream');
  const { stream, seen } = await replay(store, first);
  assert.is(stream, '_GET_stream');
  assert.equal(seen.map(([id]) => id), [second]);
  assert.equal((seen[0]![1] as unknown as { params: { uri: string } }).params.uri, 'b');
});

s('skips priming events and rejects undecodable ids', async () => {
  const store = new SessionEventStore();
  const prime = await store.storeEvent('s1', {} as JSONRPCMessage);
  await store.storeEvent('s1', note('x'));
  const { seen } = await replay(store, prime);
  assert.is(seen.length, 1);
  assert.is(await store.getStreamIdForEventId('garbage'), undefined);
});

s('stays bounded and still resumes after the last seen event was evicted', async () => {
  const store = new SessionEventStore(10);
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) ids.push(await store.storeEvent('_GET_stream', note(String(i))));
  assert.is(store.size, 10);
  const { seen } = await replay(store, ids[0]!);
  assert.is(seen.length, 10);
  assert.is((seen[9]![1] as unknown as { params: { uri: string } }).params.uri, '99');
});

s('is bounded in bytes: old messages go first, one over the whole budget is not kept', async () => {
  const store = new SessionEventStore(1000, 4096);
  const big = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', id: n, result: { text: 'x'.repeat(1000) } });
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await store.storeEvent('req', big(i)));
  assert.ok(store.bytes <= 4096, `${store.bytes}`);
  assert.ok(store.size >= 3 && store.size <= 4, `${store.size}`);
  const { seen } = await replay(store, ids[0]!);
  assert.equal(seen.map(([id]) => id), ids.slice(-store.size));
  const huge = await store.storeEvent('req', { jsonrpc: '2.0', id: 99, result: { text: 'y'.repeat(10_000) } });
  assert.ok(store.bytes <= 4096);
  const after = await replay(store, ids[19]!);
  assert.equal(after.seen.map(([id]) => id), [], `the oversized ${huge} is not replayed`);
});

s.run();
