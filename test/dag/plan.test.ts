import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan, descendants, findCycle, loadDag } from '../../src/dag/index.ts';
import type { DagSpec } from '../../src/dag/index.ts';
import { isTroupeError } from '../../src/core/index.ts';

function spec(yaml: string): DagSpec {
  const { spec: d, problems } = loadDag(yaml, { defaultName: 'plan' });
  assert.equal(problems, []);
  return d!;
}

const DIAMOND = 'steps:\n  - {name: d, run: x, depends: [b, c]}\n  - {name: b, run: x, depends: a}\n  - {name: c, run: x, depends: a}\n  - {name: a, run: x}\n  - {name: e, run: x}\n';

const s = suite('plan');

s('order is topological; among ready steps file order wins', () => {
  const plan = buildPlan(spec(DIAMOND));
  assert.equal(plan.order, ['a', 'b', 'c', 'd', 'e']);
});

s('upstream and downstream maps are the two directions of depends', () => {
  const plan = buildPlan(spec(DIAMOND));
  assert.equal(plan.upstream, { d: ['b', 'c'], b: ['a'], c: ['a'], a: [], e: [] });
  assert.equal(plan.downstream, { d: [], b: ['d'], c: ['d'], a: ['b', 'c'], e: [] });
});

s('descendants are transitive, in plan order, without the step itself', () => {
  const plan = buildPlan(spec(DIAMOND));
  assert.equal(descendants(plan, 'a'), ['b', 'c', 'd']);
  assert.equal(descendants(plan, 'c'), ['d']);
  assert.equal(descendants(plan, 'e'), []);
});

s('descendants of an unknown step throw STEP_NOT_FOUND', () => {
  const plan = buildPlan(spec(DIAMOND));
  try {
    descendants(plan, 'nope');
    assert.unreachable();
  } catch (error) {
    assert.ok(isTroupeError(error));
    assert.is(error.code, 'STEP_NOT_FOUND');
  }
});

s('chain DAGs plan in file order', () => {
  const plan = buildPlan(spec('type: chain\nsteps:\n  - {name: z, run: x}\n  - {name: y, run: x}\n  - {name: x, run: x}\n'));
  assert.equal(plan.order, ['z', 'y', 'x']);
  assert.equal(descendants(plan, 'z'), ['y', 'x']);
});

s('findCycle returns the cycle path closed on its first step', () => {
  assert.equal(findCycle({ a: ['b'], b: ['c'], c: ['a'] }), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle({ a: ['a'] }), ['a', 'a']);
  assert.equal(findCycle({ x: [], a: ['x'], b: ['a', 'c'], c: ['b'] }), ['b', 'c', 'b']);
});

s('findCycle: none in a DAG, unknown names ignored', () => {
  assert.is(findCycle({ a: [], b: ['a'], c: ['a', 'b', 'ghost'] }), undefined);
  assert.is(findCycle({}), undefined);
});

s('findCycle handles a long chain without recursion limits', () => {
  const graph: Record<string, string[]> = {};
  for (let i = 0; i < 20000; i++) graph[`s${i}`] = i === 0 ? [] : [`s${i - 1}`];
  assert.is(findCycle(graph), undefined);
  graph.s0 = ['s19999'];
  assert.is(findCycle(graph)!.length, 20001);
});

s('buildPlan refuses a hand-made spec with a cycle or an unknown dependency (INVALID_SPEC)', () => {
  const base = spec('steps:\n  - {name: a, run: x}\n  - {name: b, run: x}\n');
  const cyclic: DagSpec = { ...base, steps: [{ ...base.steps[0]!, depends: ['b'] }, { ...base.steps[1]!, depends: ['a'] }] };
  const dangling: DagSpec = { ...base, steps: [{ ...base.steps[0]!, depends: ['zz'] }, base.steps[1]!] };
  for (const bad of [cyclic, dangling]) {
    try {
      buildPlan(bad);
      assert.unreachable();
    } catch (error) {
      assert.ok(isTroupeError(error));
      assert.is(error.code, 'INVALID_SPEC');
    }
  }
});

s.run();
