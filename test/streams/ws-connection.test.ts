import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket, { WebSocketServer } from 'ws';
import { createSimulatedClock } from '../../src/core/simulated-clock.ts';
import type { Subject } from '../../src/core/index.ts';
import { createEventJournal } from '../../src/streams/event-journal.ts';
import { serveWsConnection } from '../../src/streams/ws-connection.ts';
import type { WsConnectionHooks } from '../../src/streams/ws-connection.ts';
import { DEFAULT_STREAM_LIMITS } from '../../src/streams/types.ts';
import type { Topic } from '../../src/streams/types.ts';

const s = suite('serveWsConnection: ping/pong on the injected clock finds dead peers; live peers stay');

const ADMIN: Subject = { userId: 'u', username: 'u', role: 'admin' };
const io = () => new Promise((r) => setTimeout(r, 30)); // real socket I/O between clock steps

async function setup(autoPong: boolean) {
  const clock = createSimulatedClock();
  const journal = createEventJournal<unknown>(() => true);
  const topic: Topic<unknown> = { name: 't', source: journal, authorize: () => {}, parseFilter: () => ({}), matches: () => true, visible: () => true };
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const ended: string[] = [];
  let closedCount = 0;
  const hooks: WsConnectionHooks = { subscribed: () => {}, denied: () => {}, ended: (_t, _id, reason) => ended.push(reason), closed: () => void closedCount++ };
  wss.on('connection', (ws) => serveWsConnection({ ws, topics: new Map([['t', topic]]), subject: ADMIN, limits: DEFAULT_STREAM_LIMITS, clock, hooks }));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { autoPong });
  const messages: any[] = [];
  client.on('message', (d) => messages.push(JSON.parse(String(d))));
  const closed = new Promise<number>((r) => client.on('close', (code) => r(code)));
  await new Promise((r) => client.once('open', r));
  client.send(JSON.stringify({ type: 'subscribe', id: 's', topic: 't' }));
  await io();
  return { clock, journal, wss, client, messages, closed, ended, closes: () => closedCount };
}

s('a peer that answers pings stays connected and keeps receiving', async () => {
  const { clock, journal, wss, client, messages, closes } = await setup(true);
  for (let i = 0; i < 4; i++) {
    await clock.advance(15_000);
    await io();
  }
  journal.append({ seq: 1, type: 'x', data: 1 });
  await io();
  assert.ok(messages.some((m) => m.type === 'event' && m.cursor === '1'));
  assert.is(client.readyState, WebSocket.OPEN);
  assert.is(closes(), 0);
  client.close();
  await io();
  wss.close();
});

s('a peer that stops answering is terminated after one missed pong, and its subscription ends as dead_peer', async () => {
  const { clock, wss, closed, ended, closes } = await setup(false);
  await clock.advance(15_000); // ping
  await io();
  await clock.advance(15_000); // no pong since: terminate
  const code = await closed;
  assert.is(code, 1006, 'terminated, no close handshake');
  await io();
  assert.equal(ended, ['dead_peer']);
  assert.is(closes(), 1);
  assert.is(clock.pending(), 0, 'no heartbeat left behind');
  wss.close();
});

s.run();
