import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initialTransition, transition } from 'xstate';
import { sessionMachine } from '../../src/machines/session.machine.ts';
import type { SessionEvent } from '../../src/machines/session.machine.ts';

const s = suite('machines/session');
const input = { sessionId: 's1', subjectId: 'u1|k1', clientName: 'c', clientVersion: '1', maxSubscriptions: 2 };

function run(events: SessionEvent[]) {
  let [snap] = initialTransition(sessionMachine, input);
  for (const e of events) [snap] = transition(sessionMachine, snap, e);
  return snap;
}

s('starts connecting and becomes ready on initialized, recording the client', () => {
  const [start] = initialTransition(sessionMachine, input);
  assert.is(start.value, 'connecting');
  const ready = run([{ type: 'session.initialized', clientName: 'inspector', clientVersion: '0.15.0', protocolVersion: '2025-11-25' }]);
  assert.is(ready.value, 'ready');
  assert.is(ready.context.clientName, 'inspector');
  assert.is(ready.context.protocolVersion, '2025-11-25');
});

s('bounds subscriptions per session; a repeat subscribe is idempotent', () => {
  const snap = run([
    { type: 'session.initialized' },
    { type: 'session.subscribe', uri: 'a' },
    { type: 'session.subscribe', uri: 'a' },
    { type: 'session.subscribe', uri: 'b' },
    { type: 'session.subscribe', uri: 'c' },
  ]);
  assert.equal(snap.context.subscriptions, ['a', 'b']);
  assert.is(snap.can({ type: 'session.subscribe', uri: 'c' }), false);
  assert.is(snap.can({ type: 'session.subscribe', uri: 'a' }), true);
  const after = run([{ type: 'session.initialized' }, { type: 'session.subscribe', uri: 'a' }, { type: 'session.unsubscribe', uri: 'a' }, { type: 'session.subscribe', uri: 'c' }]);
  assert.equal(after.context.subscriptions, ['c']);
});

s('close releases subscriptions and ends in the final closed state', () => {
  const closing = run([{ type: 'session.initialized' }, { type: 'session.subscribe', uri: 'a' }, { type: 'session.close', reason: 'idle_timeout' }]);
  assert.is(closing.value, 'closing');
  assert.equal(closing.context.subscriptions, []);
  assert.is(closing.context.closeReason, 'idle_timeout');
  assert.is(closing.can({ type: 'session.subscribe', uri: 'x' }), false);
  const [closed] = transition(sessionMachine, closing, { type: 'session.closed' });
  assert.is(closed.value, 'closed');
  assert.is(closed.status, 'done');
});

s('a session closed before initialization still closes', () => {
  const snap = run([{ type: 'session.close', reason: 'client_delete' }, { type: 'session.closed' }]);
  assert.is(snap.status, 'done');
});

s.run();
