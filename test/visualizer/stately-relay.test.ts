import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer } from 'ws';
import { startStatelyRelay, stateValueOf } from '../../src/visualizer/stately-relay.ts';
import { createTestEngine } from '../_support/engine.ts';

test('state paths become the state values the inspector draws', () => {
  assert.is(stateValueOf('queued'), 'queued');
  assert.equal(stateValueOf('running.active'), { running: 'active' });
  assert.equal(stateValueOf('a.b.c'), { a: { b: 'c' } });
});

test('a run and its steps reach a Stately relay over WebSocket, sanitized', async () => {
  // A stand-in for @statelyai/inspect's inspector server: a WebSocket server that keeps what it gets.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const messages: string[] = [];
  wss.on('connection', (socket) => socket.on('message', (data) => messages.push(String(data))));
  const port = (wss.address() as { port: number }).port;
  const engine = await createTestEngine();
  const relay = startStatelyRelay({ runtime: engine.runtime, url: `ws://127.0.0.1:${port}` });
  try {
    engine.writeDag('secretive', 'params: [TOKEN=placeholder]\nenv:\n  - API_KEY: env-secret-value-42\nsteps:\n  - name: use\n    run: echo "$TOKEN $API_KEY"\n    output: OUT\n');
    const ref = await engine.runtime.start({ name: 'secretive' }, { params: { TOKEN: 'param-secret-value-17' } });
    await engine.runtime.waitForRun('secretive', ref.dagRunId, 10_000);
    const deadline = Date.now() + 5000;
    const runId = `run:secretive/${ref.dagRunId}:1`;
    const parsed = () => messages.map((m) => JSON.parse(m) as { type: string; sessionId: string; definition?: string; parentId?: string; snapshot?: { value?: unknown; status?: string }; event?: { type: string } });
    while (Date.now() < deadline && !parsed().some((m) => m.type === '@xstate.snapshot' && m.sessionId === runId && m.snapshot?.status === 'done')) await new Promise((r) => setTimeout(r, 50));
    const all = parsed();
    const actor = all.find((m) => m.type === '@xstate.actor' && m.sessionId === runId);
    assert.ok(actor, 'the run actor is announced');
    assert.is(JSON.parse(actor!.definition!).id, 'run', 'with its machine definition');
    const step = all.find((m) => m.type === '@xstate.actor' && m.sessionId === `step:secretive/${ref.dagRunId}:1:use`);
    assert.is(step?.parentId, runId, 'a step is a child of its run');
    assert.ok(all.some((m) => m.type === '@xstate.event' && m.sessionId === runId));
    const last = all.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === runId).at(-1)!;
    assert.equal(last.snapshot!.value, 'succeeded');
    const raw = messages.join('\n');
    for (const secret of ['param-secret-value-17', 'env-secret-value-42', 'echo "$TOKEN']) assert.not.ok(raw.includes(secret), `${secret} must not leave the process`);
  } finally {
    relay.stop();
    await engine.close();
    await new Promise((r) => wss.close(r));
  }
});

test.run();
