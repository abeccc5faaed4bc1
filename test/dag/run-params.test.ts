import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDag, resolveRunParams } from '../../src/dag/index.ts';

const s = suite('DAG language: params at run start (§4.2)');

const decls = (yaml: string) => loadDag(`params:\n${yaml}\nsteps: [{run: echo}]\n`, { defaultName: 'p' }).spec!.params;

async function fails(p: Promise<unknown>, re: RegExp) {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected a failure');
}

s('typed coercion normalizes values; caller values are literal', async () => {
  const d = decls('  - {name: n, type: integer, default: 1}\n  - {name: f, type: number, default: 1.0}\n  - {name: b, type: boolean, default: "TRUE"}\n  - {name: s, default: "${env.X}"}');
  assert.equal(await resolveRunParams(d, {}), { n: '1', f: '1', b: 'true', s: '${env.X}' });
  assert.equal(await resolveRunParams(d, { n: '+07', f: '2.50', b: 'False', s: '$(rm -rf /)' }), { n: '7', f: '2.5', b: 'false', s: '$(rm -rf /)' });
  await fails(resolveRunParams(d, { b: 'yes' }), /b: "yes" is not true or false/);
  await fails(resolveRunParams(d, { f: 'abc' }), /f: "abc" is not a number/);
});

s('constraints: enum, bounds, lengths, pattern, required', async () => {
  const d = decls('  - {name: e, enum: [a, b], default: a}\n  - {name: i, type: integer, minimum: 1, maximum: 3, default: 2}\n  - {name: t, min_length: 2, max_length: 3, pattern: "^[a-z]+$", default: ab}\n  - {name: r, required: true}');
  assert.equal(await resolveRunParams(d, { r: 'x' }), { e: 'a', i: '2', t: 'ab', r: 'x' });
  await fails(resolveRunParams(d, {}), /r is required/);
  await fails(resolveRunParams(d, { r: 'x', i: '0' }), /less than the minimum 1/);
  await fails(resolveRunParams(d, { r: 'x', t: 'abcd' }), /longer than 3/);
  await fails(resolveRunParams(d, { r: 'x', t: 'A1' }), /pattern/);
});

s('overrides: by name, positional fill, unknown names fail when named params are declared', async () => {
  const plain = decls('  - first\n  - second\n  - K=v');
  assert.equal(await resolveRunParams(plain, { '1': 'A', K: 'w' }), { '1': 'A', '2': 'second', K: 'w' });
  await fails(resolveRunParams(plain, { Z: '1' }), /unknown parameter\(s\) Z; accepted parameters are K/);
  assert.equal(await resolveRunParams([], { ANY: '1' }), { ANY: '1' }, 'a DAG without params accepts any');
  const rich = decls('  - {name: a, default: 1}');
  await fails(resolveRunParams(rich, { '1': 'x' }), /too many positional parameters/);
});

s('eval: source order, only for unset params, earlier values visible, default fallback, failure without default', async () => {
  const d = decls('  - {name: a, eval: "A"}\n  - {name: b, eval: "B", default: dflt}\n  - {name: c, eval: "C"}');
  const calls: string[] = [];
  const evaluate = async (text: string, selected: Readonly<Record<string, string>>) => {
    calls.push(`${text}:${JSON.stringify(selected)}`);
    if (text === 'B') throw new Error('boom');
    return `${text.toLowerCase()}!`;
  };
  assert.equal(await resolveRunParams(d, { c: 'given' }, evaluate), { a: 'a!', b: 'dflt', c: 'given' });
  assert.equal(calls, ['A:{}', 'B:{"a":"a!"}']);
  await fails(resolveRunParams(decls('  - {name: a, eval: "B"}'), {}, evaluate), /a: eval failed: boom/);
});

s.run();
