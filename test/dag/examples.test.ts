import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { buildPlan, formatProblem, loadDag } from '../../src/dag/index.ts';
import type { DagSpec } from '../../src/dag/index.ts';

const dir = new URL('../../examples/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();

function load(file: string): DagSpec {
  const result = loadDag(readFileSync(join(dir, file), 'utf8'), { defaultName: basename(file, extname(file)) });
  assert.equal(result.problems.map(formatProblem), [], file);
  return result.spec!;
}

const s = suite('examples');

s('there are at least three examples', () => {
  assert.ok(files.length >= 3, files.join(', '));
  for (const name of ['hello.yaml', 'diamond.yaml', 'retry-and-continue.yaml']) assert.ok(files.includes(name), name);
});

for (const file of files) {
  s(`${file} passes the validator, plans, and every command parses under /bin/sh -n`, () => {
    const spec = load(file);
    assert.is(spec.name, basename(file, extname(file)), 'the name matches the file name');
    assert.is(buildPlan(spec).order.length, spec.steps.length);
    for (const step of [...spec.steps, ...Object.values(spec.handlerOn)]) {
      execFileSync('/bin/sh', ['-n', '-c', step.run], { stdio: 'pipe' });
    }
  });
}

s('hello passes its greeting through output; diamond fans out; retry-and-continue retries and tolerates', () => {
  const hello = load('hello.yaml');
  assert.equal(hello.params, [{ name: 'NAME', value: 'world' }]);
  assert.is(hello.steps[0]!.output, 'GREETING');
  assert.ok(hello.steps.slice(1).every((s) => s.run.includes('${GREETING}')));
  const diamond = load('diamond.yaml');
  assert.is(diamond.maxActiveSteps, 2);
  assert.equal(buildPlan(diamond).downstream.prepare, ['left', 'right']);
  assert.equal(Object.keys(diamond.handlerOn).sort(), ['exit', 'failure', 'success']);
  const retry = load('retry-and-continue.yaml');
  assert.equal(retry.steps[0]!.retryPolicy, { limit: 3, intervalSec: 1, backoff: 2, exitCodes: [] });
  assert.equal(retry.steps[1]!.continueOn, { failure: true, skipped: false, exitCodes: [3], markSuccess: false });
});

s('the flaky step really fails twice and then passes', () => {
  const retry = load('retry-and-continue.yaml');
  const env = { ...process.env, DAG_RUN_ID: `example-test-${process.pid}-${Date.now()}` };
  const attempt = (): number => {
    try {
      execFileSync('/bin/sh', ['-c', retry.steps[0]!.run], { env, stdio: 'pipe' });
      return 0;
    } catch (error) {
      return (error as { status: number }).status;
    }
  };
  try {
    assert.equal([attempt(), attempt(), attempt()], [1, 1, 0]);
  } finally {
    execFileSync('/bin/sh', ['-c', retry.handlerOn.exit!.run], { env });
  }
});

s.run();
