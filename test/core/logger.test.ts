import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, createMemoryLogger, createSimulatedClock, TroupeError } from '../../src/core/index.ts';

test('one JSON line per call, with time, level, msg, bindings and fields', () => {
  const lines: string[] = [];
  const clock = createSimulatedClock(Date.UTC(2026, 5, 1));
  const log = createLogger({ write: (l) => lines.push(l), clock, level: 'debug' }).child({ component: 'runtime' });
  log.warn('record write failed', { dagRunId: 'r1' });
  assert.is(lines.length, 1);
  assert.equal(JSON.parse(lines[0]!), { time: '2026-06-01T00:00:00.000Z', level: 'warn', msg: 'record write failed', component: 'runtime', dagRunId: 'r1' });
});

test('lines below the level are dropped', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), level: 'warn' });
  log.debug('a');
  log.info('b');
  log.warn('c');
  log.error('d');
  assert.equal(lines.map((l) => JSON.parse(l).msg), ['c', 'd']);
});

test('errors become name, message and code; stacks only on request', () => {
  const log = createMemoryLogger();
  log.error('boom', { err: new TroupeError('STORE_LOCKED', 'locked') });
  const err = log.lines[0]!['err'] as Record<string, unknown>;
  assert.is(err['message'], 'locked');
  assert.is(err['code'], 'STORE_LOCKED');
  assert.is(err['stack'], undefined);
  const withStacks = createMemoryLogger({ stacks: true });
  withStacks.error('boom', { err: new Error('x') });
  assert.type((withStacks.lines[0]!['err'] as Record<string, unknown>)['stack'], 'string');
});

test('an unserializable field does not lose the line', () => {
  const log = createMemoryLogger();
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  log.warn('still here', { cyclic });
  assert.is(log.lines[0]!.msg, 'still here');
  assert.type(log.lines[0]!['logError'], 'string');
});

test.run();
