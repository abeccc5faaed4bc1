import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initialTransition, transition } from 'xstate';
import type { StepSpec } from '../../src/dag/types.ts';
import { repeatDelayMs, repeatWithoutCondition, retryDelayMs, stepMachine } from '../../src/machines/step.machine.ts';
import type { StepInput } from '../../src/machines/step.machine.ts';

const s = suite('step machine (pure transitions)');

function spec(extra: Partial<StepSpec> = {}): StepSpec {
  return { name: 's', run: 'true', depends: [], env: [], continueOn: { failure: false, skipped: false, exitCodes: [], markSuccess: false }, preconditions: [], ...extra };
}
function input(extra: Partial<StepSpec> = {}): StepInput {
  return { spec: spec(extra), vars: {}, run: { dagName: 'd', dagRunId: 'r', attempt: 1, logDir: '/tmp' }, now: 0 };
}

s('start → running → exit 0 → succeeded with output and times', () => {
  let [snap] = initialTransition(stepMachine, input());
  assert.is(snap.value, 'pending');
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 10 });
  assert.equal(snap.value, { running: 'active' });
  [snap] = transition(stepMachine, snap, { type: 'step.spawned', job: { jobId: 'j-42', where: { executor: 'local', host: 'h', workerId: 'w' } }, now: 11 });
  assert.equal(snap.context.job, { jobId: 'j-42', where: { executor: 'local', host: 'h', workerId: 'w' } });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 0, output: 'hi', now: 20 });
  assert.is(snap.value, 'succeeded');
  assert.is(snap.status, 'done');
  assert.is(snap.context.output, 'hi');
  assert.is(snap.context.startedAt, 10);
  assert.is(snap.context.finishedAt, 20);
});

s('non-zero exit retries up to the limit, only for listed exit codes', () => {
  const policy = { limit: 2, intervalSec: 1, exitCodes: [3] };
  let [snap] = initialTransition(stepMachine, input({ retryPolicy: policy }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 3, now: 2 });
  assert.is(snap.value, 'retrying');
  assert.is(snap.context.retryCount, 1);
  const [other] = transition(stepMachine, snap, { type: 'step.abort', now: 3 });
  assert.is(other.value, 'aborted');
  // An exit code outside the list fails at once.
  let [s2] = initialTransition(stepMachine, input({ retryPolicy: policy }));
  [s2] = transition(stepMachine, s2, { type: 'step.start', now: 1 });
  [s2] = transition(stepMachine, s2, { type: 'step.exited', exitCode: 4, now: 2 });
  assert.is(s2.value, 'failed');
  assert.is(s2.context.error, 'exit code 4');
});

s('a lost job (worker lost) is retried under retry_policy, whatever its exit_code list; the reason shows while it waits', () => {
  const policy = { limit: 1, intervalSec: 5, exitCodes: [3] };
  let [snap] = initialTransition(stepMachine, input({ retryPolicy: policy }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: null, error: 'job lost: worker lost: w1 sent no heartbeat', lost: true, now: 2 });
  assert.is(snap.value, 'retrying');
  assert.is(snap.context.retryCount, 1);
  assert.match(snap.context.error ?? '', /worker lost/);
  // Lost again with the limit used up: failed, with the loss as its error.
  [snap] = transition(stepMachine, snap, { type: 'xstate.after.retryInterval.step.retrying' } as never);
  assert.equal(snap.value, { running: 'active' });
  const [again] = transition(stepMachine, snap, { type: 'step.exited', exitCode: null, error: 'job lost: worker lost: w2', lost: true, now: 9 });
  assert.is(again.value, 'failed');
  assert.is(again.context.error, 'job lost: worker lost: w2');
  // Without a policy a lost job fails at once.
  let [none] = initialTransition(stepMachine, input());
  [none] = transition(stepMachine, none, { type: 'step.start', now: 1 });
  [none] = transition(stepMachine, none, { type: 'step.exited', exitCode: null, error: 'job lost: worker lost', lost: true, now: 2 });
  assert.is(none.value, 'failed');
  assert.is(none.context.error, 'job lost: worker lost');
});

s('a lost job being stopped ends aborted, not retried', () => {
  const policy = { limit: 3, intervalSec: 0, exitCodes: [] };
  let [snap] = initialTransition(stepMachine, input({ retryPolicy: policy }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.abort', now: 2 });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: null, error: 'job lost: worker lost', lost: true, now: 3 });
  assert.is(snap.value, 'aborted');
});

s('abort while running waits in stopping until the process exits, then is aborted', () => {
  let [snap] = initialTransition(stepMachine, input({ signalOnStop: 'SIGINT' }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.abort', now: 2 });
  assert.equal(snap.value, { running: 'stopping' });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: null, signal: 'SIGINT', now: 3 });
  assert.is(snap.value, 'aborted');
  assert.is(snap.context.finishedAt, 3);
});

s('a process that cannot start fails the step with its error', () => {
  let [snap] = initialTransition(stepMachine, input({ retryPolicy: { limit: 3, intervalSec: 0, exitCodes: [] } }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: null, error: 'spawn ENOENT', now: 2 });
  assert.is(snap.value, 'failed');
  assert.is(snap.context.error, 'spawn ENOENT');
});

s('steps with preconditions check them first; unmet means skipped', () => {
  let [snap] = initialTransition(stepMachine, input({ preconditions: [{ condition: 'false', negate: false }] }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  assert.is(snap.value, 'checking');
  [snap] = transition(stepMachine, snap, { type: 'xstate.done.actor.0.step.checking', output: { ok: false, now: 5 } } as never);
  assert.is(snap.value, 'skipped');
  assert.is(snap.context.finishedAt, 5);
});

s('retry delay: constant, exponential backoff, capped', () => {
  assert.is(retryDelayMs({ limit: 3, intervalSec: 2, exitCodes: [] }, 3), 2000);
  assert.is(retryDelayMs({ limit: 3, intervalSec: 1, backoff: 2, exitCodes: [] }, 3), 4000);
  assert.is(retryDelayMs({ limit: 9, intervalSec: 1, backoff: 2, maxIntervalSec: 5, exitCodes: [] }, 6), 5000);
  assert.is(retryDelayMs(undefined, 1), 0);
});

s('a sub-DAG child that partially succeeded makes the step partially_succeeded, with its outputs', () => {
  let [snap] = initialTransition(stepMachine, input());
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.subrun', subRun: { name: 'child', dagRunId: 'c1' }, now: 2 });
  [snap] = transition(stepMachine, snap, { type: 'step.subrun', subRun: { name: 'child', dagRunId: 'c1' }, now: 2 });
  assert.equal(snap.context.subRuns, [{ name: 'child', dagRunId: 'c1' }], 'the same child is listed once');
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 0, partial: true, outputs: { x: '1' }, now: 3 });
  assert.is(snap.value, 'partially_succeeded');
  assert.equal(snap.context.outputs, { x: '1' });
});

s('repeat_policy: while an exit code repeats after the interval, limit caps executions, the last status stays', () => {
  const repeatPolicy = { mode: 'while' as const, exitCodes: [75], intervalSec: 5, limit: 3 };
  let [snap] = initialTransition(stepMachine, input({ repeatPolicy }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 75, now: 2 });
  assert.is(snap.value, 'repeating');
  [snap] = transition(stepMachine, snap, { type: 'xstate.after.repeatInterval.step.repeating' } as never);
  assert.equal(snap.value, { running: 'active' });
  assert.is(snap.context.repeatCount, 1);
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 75, now: 3 });
  [snap] = transition(stepMachine, snap, { type: 'xstate.after.repeatInterval.step.repeating' } as never);
  assert.is(snap.context.repeatCount, 2);
  // Third execution: the limit (3 executions) ends it, with that execution's result.
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 75, now: 4 });
  assert.is(snap.value, 'failed');
  assert.is(snap.context.error, 'exit code 75');
});

s('repeat_policy: a stop while waiting ends with the last execution; retries come before repeats', () => {
  let [snap] = initialTransition(stepMachine, input({ repeatPolicy: { mode: 'while', exitCodes: [], intervalSec: 60 } }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 0, output: 'o', now: 2 });
  assert.is(snap.value, 'repeating');
  [snap] = transition(stepMachine, snap, { type: 'step.abort', now: 3 });
  assert.is(snap.value, 'succeeded');
  assert.is(snap.context.output, 'o');
  let [r] = initialTransition(stepMachine, input({ retryPolicy: { limit: 1, intervalSec: 0, exitCodes: [] }, repeatPolicy: { mode: 'until', exitCodes: [], intervalSec: 1 } }));
  [r] = transition(stepMachine, r, { type: 'step.start', now: 1 });
  [r] = transition(stepMachine, r, { type: 'step.exited', exitCode: 1, now: 2 });
  assert.is(r.value, 'retrying', 'a failed try is retried first');
  // A condition is evaluated by the precondition actor (repeatCheck).
  let [c] = initialTransition(stepMachine, input({ repeatPolicy: { mode: 'until', condition: 'test -f x', exitCodes: [], intervalSec: 1 } }));
  [c] = transition(stepMachine, c, { type: 'step.start', now: 1 });
  [c] = transition(stepMachine, c, { type: 'step.exited', exitCode: 0, now: 2 });
  assert.is(c.value, 'repeatCheck');
});

s('repeat_policy: the condition check gets the fresh results of the execution just finished, never earlier ones', () => {
  const repeatPolicy = { mode: 'until' as const, condition: '${STATUS}', expected: 'ready', exitCodes: [], intervalSec: 1 };
  /** The input the transition gave the condition check it invoked (repeatCheck). */
  const checkInput = (actions: unknown[]) => {
    const a = (actions as Array<{ type: string; params?: { src?: unknown; input?: unknown } }>).find((x) => x.type === 'xstate.spawnChild' && x.params?.src === 'checkPreconditions');
    return a?.params?.input as { own?: { output?: string; outputs?: Record<string, string> } } | undefined;
  };
  let [snap, actions] = initialTransition(stepMachine, input({ output: 'STATUS', repeatPolicy }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap, actions] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 0, output: 'pending', outputs: { phase: 'one' }, now: 2 });
  assert.is(snap.value, 'repeatCheck');
  assert.equal(checkInput(actions)?.own, { output: 'pending' });
  [snap] = transition(stepMachine, snap, { type: 'xstate.done.actor.0.step.repeatCheck', output: { ok: false, now: 3 } } as never);
  assert.is(snap.value, 'repeating');
  [snap] = transition(stepMachine, snap, { type: 'xstate.after.repeatInterval.step.repeating' } as never);
  [snap, actions] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 0, output: 'ready', now: 5 });
  assert.equal(checkInput(actions)?.own, { output: 'ready' }, 'the second execution\'s output, not the first one\'s');
  // A failed execution produced nothing: the condition sees no output rather than an old one.
  [snap] = transition(stepMachine, snap, { type: 'xstate.done.actor.0.step.repeatCheck', output: { ok: false, now: 6 } } as never);
  [snap] = transition(stepMachine, snap, { type: 'xstate.after.repeatInterval.step.repeating' } as never);
  [snap, actions] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 2, now: 8 });
  assert.is(snap.value, 'repeatCheck');
  assert.equal(checkInput(actions)?.own, {});
});

s('a failed child run (failure, not error) is retried, and its reason becomes the step error', () => {
  let [snap] = initialTransition(stepMachine, input({ retryPolicy: { limit: 1, intervalSec: 0, exitCodes: [] } }));
  [snap] = transition(stepMachine, snap, { type: 'step.start', now: 1 });
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 1, failure: 'sub-DAG run c/1 failed', now: 2 });
  assert.is(snap.value, 'retrying');
  [snap] = transition(stepMachine, snap, { type: 'xstate.after.retryInterval.step.retrying' } as never);
  [snap] = transition(stepMachine, snap, { type: 'step.exited', exitCode: 1, failure: 'sub-DAG run c/1 failed', now: 3 });
  assert.is(snap.value, 'failed');
  assert.is(snap.context.error, 'sub-DAG run c/1 failed');
});

s('repeat decisions without a condition, and the repeat interval with backoff and cap', () => {
  const p = (mode: 'while' | 'until', exitCodes: number[] = []) => ({ mode, exitCodes, intervalSec: 2 });
  assert.is(repeatWithoutCondition(p('while'), { exitCode: 0 }), true);
  assert.is(repeatWithoutCondition(p('while'), { exitCode: 1 }), false);
  assert.is(repeatWithoutCondition(p('until'), { exitCode: 1 }), true);
  assert.is(repeatWithoutCondition(p('until'), { exitCode: 0 }), false);
  assert.is(repeatWithoutCondition(p('while', [3]), { exitCode: 3 }), true);
  assert.is(repeatWithoutCondition(p('until', [3]), { exitCode: 3 }), false);
  assert.is(repeatWithoutCondition({ ...p('while'), condition: 'x' }, { exitCode: 0 }), undefined);
  assert.equal([1, 2, 3, 4].map((n) => repeatDelayMs({ ...p('while'), backoff: 2, maxIntervalSec: 10 }, n)), [2000, 4000, 8000, 10000]);
});

s.run();
