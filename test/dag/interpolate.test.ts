import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { evalEnv, interpolate } from '../../src/dag/index.ts';

const s = suite('interpolate');

s('replaces ${NAME} with known variables', () => {
  assert.is(interpolate('${A}-${B}/${A}', { A: 'x', B: 'y' }), 'x-y/x');
  assert.is(interpolate('${EMPTY}!', { EMPTY: '' }), '!');
});

s('leaves $NAME and unknown ${X} for the shell', () => {
  assert.is(interpolate('$A ${A} ${NOPE} $${A}', { A: '1' }), '$A 1 ${NOPE} $1');
  assert.is(interpolate('${A', { A: '1' }), '${A');
  assert.is(interpolate('${1bad} ${ok_1}', { ok_1: 'y', '1bad': 'n' }), '${1bad} y');
});

s('does not substitute recursively or from the prototype', () => {
  assert.is(interpolate('${A}', { A: '${B}', B: 'no' }), '${B}');
  assert.is(interpolate('${toString} ${constructor}', {}), '${toString} ${constructor}');
});

s('evalEnv evaluates in order against base + earlier entries and returns only its own entries', () => {
  const out = evalEnv(
    [
      ['ROOT', '${HOME}/work'],
      ['LOGS', '${ROOT}/logs'],
      ['HOME', 'shadowed'],
      ['AFTER', '${HOME}'],
    ],
    { HOME: '/home/u', OTHER: 'x' },
  );
  assert.equal(out, { ROOT: '/home/u/work', LOGS: '/home/u/work/logs', HOME: 'shadowed', AFTER: 'shadowed' });
});

s('evalEnv: a later entry may not refer to a later one; unknowns stay literal', () => {
  assert.equal(evalEnv([['A', '${B}'], ['B', '1']], {}), { A: '${B}', B: '1' });
});

s.run();
