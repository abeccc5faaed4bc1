import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseParamString, parseParamsOverride } from '../../src/dag/index.ts';
import { isTroupeError } from '../../src/core/index.ts';

function invalid(input: unknown): string {
  try {
    parseParamsOverride(input as string);
  } catch (error) {
    assert.ok(isTroupeError(error));
    assert.is(error.code, 'INVALID_INPUT');
    return error.message;
  }
  assert.unreachable(`accepted ${JSON.stringify(input)}`);
  return '';
}

const s = suite('params');

s('parseParamString: named, quoted, positional, empty, backquoted', () => {
  assert.equal(parseParamString('A=1 B="x y" pos C= D=\'q r\' `date`').params, [
    { name: 'A', value: '1' },
    { name: 'B', value: 'x y' },
    { name: '3', value: 'pos' },
    { name: 'C', value: '' },
    { name: 'D', value: 'q r' },
    { name: '6', value: '`date`' },
  ]);
  assert.equal(parseParamString('A="say \\"hi\\""').params, [{ name: 'A', value: 'say "hi"' }]);
  assert.equal(parseParamString('   ').params, []);
  assert.equal(parseParamString('K=a=b').params, [{ name: 'K', value: 'a=b' }]);
});

s('parseParamString reports an unterminated quote', () => {
  assert.ok(parseParamString('A="oops').error);
  assert.ok(parseParamString('A=1 "open').error);
});

s('override from a JSON object string; numbers and booleans become strings', () => {
  assert.equal(parseParamsOverride('{"A":"x","N":3,"B":false}'), { A: 'x', N: '3', B: 'false' });
  assert.equal(parseParamsOverride(' {} '), {});
});

s('override from a K=v string and from an object', () => {
  assert.equal(parseParamsOverride('A=1 B="two words"'), { A: '1', B: 'two words' });
  assert.equal(parseParamsOverride('first second'), { '1': 'first', '2': 'second' });
  assert.equal(parseParamsOverride('"one value"'), { '1': 'one value' });
  assert.equal(parseParamsOverride({ A: 'x' }), { A: 'x' });
  assert.equal(parseParamsOverride(''), {});
});

s('bad overrides throw INVALID_INPUT with a clear message', () => {
  assert.match(invalid('{"A":'), /JSON/);
  assert.match(invalid('["A=1"]'), /object/);
  assert.match(invalid('"open quote'), /unterminated/);
  assert.match(invalid('{"A":{"nested":1}}'), /"A"/);
  assert.match(invalid('{"A":null}'), /string, number or boolean/);
  assert.match(invalid({ A: ['x'] }), /string, number or boolean/);
  assert.match(invalid('{"":"x"}'), /not a valid name/);
  assert.match(invalid('A="unterminated'), /unterminated/);
  invalid(42);
  invalid(null);
});

s('a __proto__ key in JSON is kept as data', () => {
  const out = parseParamsOverride('{"__proto__":"x"}');
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.is(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 'x');
});

s.run();
