import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initialTransition, transition } from 'xstate';
import type { StepSpec } from '../../src/dag/types.ts';
import { retryDelayMs, stepMachine } from '../../src/machines/step.machine.ts';
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

s.run();
