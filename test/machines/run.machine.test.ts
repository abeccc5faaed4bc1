import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initialTransition, transition } from 'xstate';
import type { DagSpec, StepSpec } from '../../src/dag/types.ts';
import { decideOutcome, runMachine, runStatusOf } from '../../src/machines/run.machine.ts';
import { readySteps } from '../../src/machines/run-schedule.ts';
import type { RunEvent, RunInput } from '../../src/machines/run.machine.ts';
import type { StepStatus } from '../../src/dag/status.ts';

const s = suite('run machine (pure transitions)');

function step(name: string, depends: string[] = [], extra: Partial<StepSpec> = {}): StepSpec {
  return {
    name,
    run: `echo ${name}`,
    depends,
    env: [],
    continueOn: { failure: false, skipped: false, exitCodes: [], markSuccess: false },
    preconditions: [],
    ...extra,
  };
}
function dag(steps: StepSpec[], extra: Partial<DagSpec> = {}): DagSpec {
  return { name: 'd', params: [], env: [], type: 'graph', steps, handlerOn: {}, labels: {}, preconditions: [], schedule: [], ...extra };
}
function input(spec: DagSpec, extra: Partial<RunInput> = {}): RunInput {
  return { dagName: 'd', dagRunId: 'r1', attempt: 1, spec, vars: {}, logDir: '/tmp/x', queued: false, now: 1000, ...extra };
}
function done(name: string, status: StepStatus, at: number, extra: Record<string, unknown> = {}): RunEvent {
  return { type: 'step.update', name, status, exitCode: status === 'succeeded' ? 0 : 1, startedAt: at - 5, finishedAt: at, retryCount: 0, ...extra } as RunEvent;
}
function spawned(actions: Array<{ type: string; params?: unknown }>): string[] {
  return actions
    .filter((a) => a.type === 'xstate.spawnChild')
    .map((a) => (a.params as { id: string }).id);
}

s('a start runs the roots of a diamond in parallel, then the join, then succeeds', () => {
  const m = runMachine;
  const spec = dag([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])]);
  let [snap, actions] = initialTransition(m, input(spec));
  assert.is(runStatusOf(snap.value), 'running');
  assert.equal(spawned(actions as never), ['a']);
  [snap, actions] = transition(m, snap, done('a', 'succeeded', 1010));
  assert.equal(spawned(actions as never).sort(), ['b', 'c']);
  [snap, actions] = transition(m, snap, done('b', 'succeeded', 1020));
  assert.equal(spawned(actions as never), [], 'd waits for c');
  [snap, actions] = transition(m, snap, done('c', 'succeeded', 1030));
  assert.equal(spawned(actions as never), ['d']);
  [snap] = transition(m, snap, done('d', 'succeeded', 1040));
  assert.is(snap.value, 'succeeded');
  assert.is(snap.context.finishedAt, 1040);
});

s('max_active_steps bounds how many steps are spawned at once', () => {
  const spec = dag([step('a'), step('b'), step('c'), step('d')], { maxActiveSteps: 2 });
  let [snap, actions] = initialTransition(runMachine, input(spec));
  assert.equal(spawned(actions as never), ['a', 'b']);
  [snap] = transition(runMachine, snap, { type: 'step.update', name: 'a', status: 'running', exitCode: null, startedAt: 1001, finishedAt: null, retryCount: 0 });
  [snap, actions] = transition(runMachine, snap, done('a', 'succeeded', 1010));
  assert.equal(spawned(actions as never), ['c']);
});

s('a failure blocks its dependents, lets independent branches finish, and fails the run', () => {
  const spec = dag([step('a'), step('b', ['a']), step('x')]);
  let [snap] = initialTransition(runMachine, input(spec));
  [snap] = transition(runMachine, snap, done('a', 'failed', 1010));
  assert.is(runStatusOf(snap.value), 'running', 'x is still running');
  [snap] = transition(runMachine, snap, done('x', 'succeeded', 1020));
  assert.is(snap.value, 'failed');
  assert.is(snap.context.steps.b!.status, 'not_started');
});

s('continue_on.failure lets dependents run and ends partially_succeeded', () => {
  const spec = dag([step('a', [], { continueOn: { failure: true, skipped: false, exitCodes: [], markSuccess: false } }), step('b', ['a'])]);
  let [snap, actions] = initialTransition(runMachine, input(spec));
  [snap, actions] = transition(runMachine, snap, done('a', 'failed', 1010));
  assert.equal(spawned(actions as never), ['b']);
  [snap] = transition(runMachine, snap, done('b', 'succeeded', 1020));
  assert.is(snap.value, 'partially_succeeded');
  assert.is(decideOutcome(snap.context), 'partially_succeeded');
});

s('continue_on.mark_success records the continued step as succeeded and the run as succeeded', () => {
  const spec = dag([step('a', [], { continueOn: { failure: false, skipped: false, exitCodes: [3], markSuccess: true } }), step('b', ['a'])]);
  let [snap] = initialTransition(runMachine, input(spec));
  [snap] = transition(runMachine, snap, done('a', 'failed', 1010, { exitCode: 3 }));
  assert.is(snap.context.steps.a!.status, 'succeeded');
  [snap] = transition(runMachine, snap, done('b', 'succeeded', 1020));
  assert.is(snap.value, 'succeeded');
});

s('outputs of a step become variables of the steps it unblocks', () => {
  const spec = dag([step('a', [], { output: 'GREETING' }), step('b', ['a'])]);
  let [snap, actions] = initialTransition(runMachine, input(spec, { vars: { P: '1' } }));
  [snap, actions] = transition(runMachine, snap, done('a', 'succeeded', 1010, { output: 'hello' }));
  const spawn = (actions as Array<{ type: string; params?: { id: string; input: { vars: Record<string, string> } } }>).find((a) => a.type === 'xstate.spawnChild');
  assert.equal(spawn?.params?.input.vars, { P: '1', GREETING: 'hello' });
});

s('a queued run waits for run.start; run.dequeue aborts it', () => {
  const spec = dag([step('a')]);
  const [q, actions] = initialTransition(runMachine, input(spec, { queued: true }));
  assert.is(q.value, 'queued');
  assert.equal(spawned(actions as never), []);
  const [started] = transition(runMachine, q, { type: 'run.start', now: 2000 });
  assert.is(runStatusOf(started.value), 'running');
  assert.is(started.context.startedAt, 2000);
  const [dq] = transition(runMachine, q, { type: 'run.dequeue', now: 2000 });
  assert.is(dq.value, 'aborted');
  assert.is(dq.context.error, 'dequeued');
});

s('stop aborts running steps and ends aborted once they report', () => {
  const spec = dag([step('a'), step('b', ['a'])]);
  let [snap] = initialTransition(runMachine, input(spec));
  [snap] = transition(runMachine, snap, { type: 'run.stop', now: 1100 });
  assert.is(runStatusOf(snap.value), 'running', 'waits for the process to exit');
  [snap] = transition(runMachine, snap, done('a', 'aborted', 1150));
  assert.is(snap.value, 'aborted');
  assert.is(snap.context.steps.b!.status, 'not_started');
});

s('handler_on: success handler then exit handler run after the main steps', () => {
  const spec = dag([step('a')], { handlerOn: { success: step('notify'), exit: step('cleanup'), failure: step('alert') } });
  let [snap, actions] = initialTransition(runMachine, input(spec));
  [snap, actions] = transition(runMachine, snap, done('a', 'succeeded', 1010));
  assert.equal(spawned(actions as never), ['onSuccess']);
  [snap, actions] = transition(runMachine, snap, done('onSuccess', 'succeeded', 1020));
  assert.equal(spawned(actions as never), ['onExit']);
  [snap] = transition(runMachine, snap, done('onExit', 'succeeded', 1030));
  assert.is(snap.value, 'succeeded');
  assert.ok(snap.context.steps.onSuccess!.handler);
});

s('failure handler runs on failure; a failed success handler fails the run', () => {
  const spec = dag([step('a')], { handlerOn: { success: step('notify'), failure: step('alert') } });
  let [snap, actions] = initialTransition(runMachine, input(spec));
  [snap, actions] = transition(runMachine, snap, done('a', 'failed', 1010));
  assert.equal(spawned(actions as never), ['onFailure']);
  [snap] = transition(runMachine, snap, done('onFailure', 'succeeded', 1020));
  assert.is(snap.value, 'failed');

  let [ok] = initialTransition(runMachine, input(spec));
  [ok] = transition(runMachine, ok, done('a', 'succeeded', 1010));
  [ok] = transition(runMachine, ok, done('onSuccess', 'failed', 1020));
  assert.is(ok.value, 'failed');
  assert.match(ok.context.error ?? '', /onSuccess/);
});

s('a retry attempt keeps preset steps and only runs the others', () => {
  const spec = dag([step('a'), step('b', ['a']), step('c', ['b'])]);
  const preset = { a: { name: 'a', status: 'succeeded' as const, exitCode: 0, startedAt: 1, finishedAt: 2, retryCount: 0 } };
  const [snap, actions] = initialTransition(runMachine, input(spec, { preset }));
  assert.equal(spawned(actions as never), ['b']);
  assert.is(snap.context.steps.a!.status, 'succeeded');
  assert.equal(readySteps(snap.context), []);
});

s('a skipped step blocks dependents unless continue_on.skipped', () => {
  const spec = dag([step('a'), step('b', ['a'])]);
  let [snap] = initialTransition(runMachine, input(spec));
  [snap] = transition(runMachine, snap, done('a', 'skipped', 1010));
  assert.is(snap.value, 'succeeded');
  assert.is(snap.context.steps.b!.status, 'not_started');

  const spec2 = dag([step('a', [], { continueOn: { failure: false, skipped: true, exitCodes: [], markSuccess: false } }), step('b', ['a'])]);
  let [snap2, actions] = initialTransition(runMachine, input(spec2));
  [snap2, actions] = transition(runMachine, snap2, done('a', 'skipped', 1010));
  assert.equal(spawned(actions as never), ['b']);
});

/** The facts a transition emitted (`emit` actions), in order. */
function facts(actions: Array<{ type: string; params?: unknown }>): Array<{ type: string } & Record<string, unknown>> {
  return actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: { type: string } & Record<string, unknown> }).event);
}

s('a failed attempt with an automatic retry pending skips the failure handler and still runs exit (§20.3)', () => {
  const spec = dag([step('a')], { handlerOn: { failure: step('alert'), exit: step('cleanup') } });
  let [snap, actions] = initialTransition(runMachine, input(spec, { autoRetry: { made: 0, limit: 2 } }));
  [snap, actions] = transition(runMachine, snap, done('a', 'failed', 1010));
  assert.equal(spawned(actions as never), ['onExit'], 'only the exit handler starts');
  assert.is(snap.context.steps.onFailure, undefined);
  assert.equal(snap.context.skippedHandler?.handler, 'failure');
  [snap, actions] = transition(runMachine, snap, done('onExit', 'succeeded', 1020));
  assert.is(snap.value, 'failed');
  const end = facts(actions as never).find((f) => f.type === 'run.finished')!;
  assert.is(end.status, 'failed');
  assert.equal((end.skippedHandler as { handler: string }).handler, 'failure');
  assert.match((end.skippedHandler as { reason: string }).reason, /automatic retry is pending \(retry_policy: retry 1 of 2\)/);
});

s('the final attempt (no retry pending) runs the failure handler; a run that did not fail ignores the pending retry', () => {
  const spec = dag([step('a')], { handlerOn: { failure: step('alert'), success: step('notify'), abort: step('aborted'), exit: step('cleanup') } });
  let [snap, actions] = initialTransition(runMachine, input(spec));
  [snap, actions] = transition(runMachine, snap, done('a', 'failed', 1010));
  assert.equal(spawned(actions as never), ['onFailure']);
  assert.is(snap.context.skippedHandler, undefined);
  [snap, actions] = transition(runMachine, snap, done('onFailure', 'succeeded', 1020));
  [snap, actions] = transition(runMachine, snap, done('onExit', 'succeeded', 1030));
  assert.is(snap.value, 'failed');
  assert.not.ok('skippedHandler' in facts(actions as never).find((f) => f.type === 'run.finished')!);

  // Succeeded: the success handler, nothing skipped.
  let [ok, okActions] = initialTransition(runMachine, input(spec, { autoRetry: { made: 0, limit: 1 } }));
  [ok, okActions] = transition(runMachine, ok, done('a', 'succeeded', 1010));
  assert.equal(spawned(okActions as never), ['onSuccess']);
  assert.is(ok.context.skippedHandler, undefined);

  // Stopped: an abort is not a failure; the abort handler runs.
  let [stopped, stopActions] = initialTransition(runMachine, input(spec, { autoRetry: { made: 0, limit: 1 } }));
  [stopped] = transition(runMachine, stopped, { type: 'run.stop', now: 1005 });
  [stopped, stopActions] = transition(runMachine, stopped, done('a', 'aborted', 1010));
  assert.equal(spawned(stopActions as never), ['onAbort']);
  assert.is(stopped.context.skippedHandler, undefined);
});

s('a run timeout with a retry pending is a failure: the failure handler is skipped too', () => {
  const spec = dag([step('a')], { timeoutSec: 5, handlerOn: { failure: step('alert') } });
  let [snap] = initialTransition(runMachine, input(spec, { autoRetry: { made: 1, limit: 3 } }));
  snap = runMachine.resolveState({ value: { running: 'stopping' }, context: { ...snap.context, stopRequested: true, timedOut: true } });
  const [end, actions] = transition(runMachine, snap, done('a', 'aborted', 6000));
  assert.is(end.value, 'failed');
  assert.equal(spawned(actions as never), []);
  assert.match(end.context.skippedHandler?.reason ?? '', /retry 2 of 3/);
});

s.run();
