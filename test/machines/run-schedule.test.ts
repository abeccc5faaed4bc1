import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DagSpec, StepSpec } from '../../src/dag/types.ts';
import { initialSchedule, readySteps, settleStep } from '../../src/machines/run-schedule.ts';
import type { RunContext, RunStepState } from '../../src/machines/run.machine.ts';

const s = suite('run schedule (pure functions of the run machine)');

function step(name: string, depends: string[] = [], extra: Partial<StepSpec> = {}): StepSpec {
  return { name, run: `echo ${name}`, depends, env: [], continueOn: { failure: false, skipped: false, exitCodes: [], markSuccess: false }, preconditions: [], ...extra };
}
function dag(steps: StepSpec[], extra: Partial<DagSpec> = {}): DagSpec {
  return { name: 'd', params: [], env: [], type: 'graph', steps, handlerOn: {}, labels: {}, preconditions: [], schedule: [], ...extra };
}
function state(name: string, status: RunStepState['status'] = 'not_started'): RunStepState {
  return { name, status, exitCode: status === 'succeeded' ? 0 : null, startedAt: null, finishedAt: null, retryCount: 0 };
}
function stepsOf(spec: DagSpec, done: Record<string, RunStepState['status']> = {}): Record<string, RunStepState> {
  return Object.fromEntries(spec.steps.map((x) => [x.name, state(x.name, done[x.name])]));
}

s('a diamond: only the root is ready; the join waits on both branches', () => {
  const spec = dag([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])]);
  const sched = initialSchedule(spec, stepsOf(spec));
  assert.equal(sched.ready, ['a']);
  assert.equal(sched.waitingOn, { b: 1, c: 1, d: 2 });
  assert.is(sched.unresolved, 4);
  sched.ready.shift();
  sched.active = 1;
  settleStep(spec, sched, 'a', state('a', 'succeeded'), true);
  assert.equal(sched.ready, ['b', 'c']);
  assert.is(sched.active, 0);
  assert.is(sched.unresolved, 3);
});

s('a failed step cuts off everything downstream; continue_on.failure lets it through', () => {
  const spec = dag([step('a'), step('b', ['a']), step('c', ['b'])]);
  const sched = initialSchedule(spec, stepsOf(spec));
  sched.ready.shift();
  settleStep(spec, sched, 'a', state('a', 'failed'), true);
  assert.equal(sched.ready, []);
  assert.equal(sched.waitingOn, {});
  assert.is(sched.unresolved, 0, 'b and c can never run');

  const cont = dag([step('a', [], { continueOn: { failure: true, skipped: false, exitCodes: [], markSuccess: false } }), step('b', ['a'])]);
  const s2 = initialSchedule(cont, stepsOf(cont));
  s2.ready.shift();
  settleStep(cont, s2, 'a', { ...state('a', 'failed'), continued: true }, true);
  assert.equal(s2.ready, ['b']);
});

s('preset (retry) steps release their dependents at once; max_active_steps caps what is ready to spawn', () => {
  const spec = dag([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['a'])], { maxActiveSteps: 2 });
  const sched = initialSchedule(spec, stepsOf(spec, { a: 'succeeded' }));
  assert.equal(sched.ready, ['b', 'c', 'd']);
  assert.is(sched.unresolved, 3);
  const ctx = { spec, ...sched } as unknown as RunContext;
  assert.equal(readySteps(ctx), ['b', 'c']);
  assert.equal(readySteps({ ...ctx, active: 1 }), ['b']);
});

s.run();
