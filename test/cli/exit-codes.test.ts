import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TroupeError } from '../../src/core/index.ts';
import { exitCodeFor, failureLines } from '../../src/cli/exit-codes.ts';

const s = suite('cli/exit-codes');

s('0/1/2: bad input and invalid specs are 2, every other failure 1', () => {
  assert.is(exitCodeFor('INVALID_INPUT'), 2);
  assert.is(exitCodeFor('INVALID_SPEC'), 2);
  for (const code of ['DAG_NOT_FOUND', 'RUN_NOT_FOUND', 'NOT_RUNNING', 'STORE_LOCKED', 'CONFLICT', 'INTERNAL'] as const) assert.is(exitCodeFor(code), 1, code);
});

s('a TroupeError is one line per problem, prefixed with the command, plus its hint', () => {
  const e = new TroupeError('INVALID_SPEC', 'a; b', { details: { errors: ['line 1:1: a', 'line 2:1: b'] } });
  assert.equal(failureLines('start', e, false), { lines: ['troupe start: line 1:1: a', 'troupe start: line 2:1: b'], code: 2 });
  const locked = failureLines('status', new TroupeError('STORE_LOCKED', 'the data directory /d is in use by another Troupe process'), false);
  assert.is(locked.code, 1);
  assert.is(locked.lines.length, 2);
  assert.match(locked.lines[1]!, /^ {2}hint: /);
});

s('an unexpected error is one line without its stack, unless TROUPE_DEBUG', () => {
  const e = new Error('listen EADDRINUSE: address already in use\nmore');
  const quiet = failureLines('server', e, false);
  assert.equal(quiet.lines, ['troupe server: unexpected error: listen EADDRINUSE: address already in use', '  hint: run again with TROUPE_DEBUG=1 to see the stack trace']);
  assert.is(quiet.code, 1);
  const loud = failureLines('server', e, true);
  assert.match(loud.lines[1]!, /^Error: listen EADDRINUSE[\s\S]*\n\s+at /);
});

s.run();
