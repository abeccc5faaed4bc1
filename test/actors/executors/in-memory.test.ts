import { lastValueFrom, toArray } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createInMemoryExecutor } from '../../../src/actors/executors/in-memory.ts';
import { createSimulatedClock } from '../../../src/core/simulated-clock.ts';
import { executorContract, makeJob, memorySink } from './contract.ts';

executorContract('in-memory', () => {
  const clock = createSimulatedClock(0);
  return {
    executor: createInMemoryExecutor({ clock }),
    clock,
    drive: async () => {
      if (!(await clock.next())) await new Promise((r) => setImmediate(r));
    },
  };
});

test('sleep runs on the injected clock: nothing ends until time moves', async () => {
  const clock = createSimulatedClock(0);
  const executor = createInMemoryExecutor({ clock });
  const handle = executor.submit(makeJob('sleep 30; echo done'), { log: memorySink() });
  const all = lastValueFrom(handle.events$.pipe(toArray()));
  await clock.advance(29_999);
  assert.equal(executor.running(), [handle.jobId]);
  await clock.advance(1);
  const events = await all;
  assert.equal(events.map((e) => e.type), ['started', 'exited']);
  assert.is(events[1]!.at - events[0]!.at, 30_000);
  assert.equal(executor.running(), []);
});

test('scripted outcomes: exit code, duration, output, lost', async () => {
  const clock = createSimulatedClock(0);
  const executor = createInMemoryExecutor({
    clock,
    script: (job) => (job.step === 'lost' ? { lost: 'worker gone', durationMs: 50 } : { exitCode: 7, durationMs: 100, stdout: 'x\n' }),
  });
  const sink = memorySink();
  const a = lastValueFrom(executor.submit(makeJob('anything', { captureOutput: true }), { log: sink }).events$.pipe(toArray()));
  const b = lastValueFrom(executor.submit(makeJob('anything', { step: 'lost' }), { log: memorySink() }).events$.pipe(toArray()));
  await clock.advance(100);
  const [ea, eb] = await Promise.all([a, b]);
  assert.equal(ea.at(-1), { type: 'exited', jobId: ea[0]!.jobId, at: 100, exitCode: 7, signal: null, output: 'x', log: { bytes: 2, truncated: false, droppedBytes: 0 } });
  assert.equal(eb.at(-1), { type: 'lost', jobId: eb[0]!.jobId, at: 50, reason: 'worker gone' });
  assert.is(sink.text('stdout'), 'x\n');
});

test('submitted jobs are recorded with the TROUPE_JOB_ID marker; lose() and leftovers', async () => {
  const clock = createSimulatedClock(0);
  const executor = createInMemoryExecutor({ clock, leftovers: ['old-1'] });
  const job = makeJob('sleep 5');
  const handle = executor.submit(job, { log: memorySink() });
  assert.is(executor.submitted[0]!.env['TROUPE_JOB_ID'], job.jobId);
  await Promise.resolve();
  executor.lose(job.jobId, 'launcher died');
  const events = await lastValueFrom(handle.events$.pipe(toArray()));
  assert.equal(events.at(-1), { type: 'lost', jobId: job.jobId, at: 0, reason: 'launcher died' });
  const fates = await executor.reconcile([{ jobId: 'old-1', runName: 'd', runId: 'r', attempt: 1, step: 's' }, { jobId: 'old-2', runName: 'd', runId: 'r', attempt: 1, step: 's' }]);
  assert.equal(fates, [{ jobId: 'old-1', fate: 'killed', processes: 1 }, { jobId: 'old-2', fate: 'absent' }]);
});

test.run();
