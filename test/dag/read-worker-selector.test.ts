import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDag } from '../../src/dag/index.ts';

const steps = 'steps:\n  - run: "true"\n';

test('worker_selector: a map of labels, scalars coerced to strings', () => {
  const r = loadDag(`name: d\nworker_selector:\n  gpu: true\n  zone: eu-1\n  tier: 2\n${steps}`);
  assert.equal(r.problems, []);
  assert.equal(r.spec?.workerSelector, { gpu: 'true', zone: 'eu-1', tier: '2' });
});

test('no worker_selector: no selector (any worker)', () => {
  const r = loadDag(`name: d\n${steps}`);
  assert.is(r.spec?.workerSelector, undefined);
});

test('worker_selector: local and non-maps are clear problems', () => {
  const local = loadDag(`name: d\nworker_selector: local\n${steps}`);
  assert.is(local.spec, undefined);
  assert.match(local.problems[0]!.message, /worker_selector: local is not supported/);
  const list = loadDag(`name: d\nworker_selector: [a, b]\n${steps}`);
  assert.is(list.problems[0]!.path, 'worker_selector');
  assert.match(list.problems[0]!.message, /must be a map of label: value, got a list/);
});

test.run();
