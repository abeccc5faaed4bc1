// End to end: the runtime (run actors, records, run logs) with the BullMQ executor, real
// `troupe worker` processes and a real redis-server.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createBullmqExecutor } from '../../src/actors/executors/bullmq-executor.ts';
import type { BullmqExecutor } from '../../src/actors/executors/bullmq-executor.ts';
import type { RunDetails } from '../../src/actors/index.ts';
import { createMemoryLogger } from '../../src/core/logger.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import type { TestEngine } from '../_support/engine.ts';
import { sharedRedis, uniquePrefix } from '../_support/redis.ts';
import { spawnWorker } from '../_support/workers.ts';
import type { WorkerProcess } from '../_support/workers.ts';

const s = suite('runs on troupe workers (runtime + BullMQ executor + real workers)');
const redis = await sharedRedis();
const prefix = uniquePrefix('e2e');
let gpu: WorkerProcess;
let cpu: WorkerProcess;
let executor: BullmqExecutor;
let engine: TestEngine;

type Step = RunDetails['steps'][number] & { where?: { executor: string; host: string; workerId: string } };
const steps = (d: RunDetails) => d.steps as Step[];

async function runToEnd(name: string, timeoutMs = 60_000): Promise<RunDetails> {
  const { dagRunId } = await engine.runtime.start({ name });
  const { details, timedOut } = await engine.runtime.waitForRun(name, dagRunId, timeoutMs);
  assert.not.ok(timedOut, `${name} did not finish`);
  return details;
}

s.before(async () => {
  [gpu, cpu] = await Promise.all([
    spawnWorker({ redisUrl: redis.url, prefix, id: 'e-gpu', labels: { gpu: 'true' }, concurrency: 4 }),
    spawnWorker({ redisUrl: redis.url, prefix, id: 'e-cpu', labels: { pool: 'cpu' }, concurrency: 4 }),
  ]);
  executor = await createBullmqExecutor({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), lostAfterMs: 2000 });
  engine = await createTestEngine({ executor });
});
s.after(async () => {
  await engine?.close();
  await executor?.close();
  await Promise.all([gpu?.stop(), cpu?.stop()]);
  await redis.stop();
});

s('DAGs with different worker_selectors run on the matching workers; every step of a run on one worker; logs and outputs come back', async () => {
  engine.writeDag('on-gpu', 'worker_selector:\n  gpu: true\nsteps:\n  - name: a\n    run: echo from-$(hostname)\n    output: A\n  - name: b\n    depends: [a]\n    run: echo "got ${A}"\n');
  engine.writeDag('on-cpu', 'worker_selector:\n  pool: cpu\nsteps:\n  - name: x\n    run: echo cpu\n  - name: y\n    run: echo cpu2\n');
  const [g, c] = await Promise.all([runToEnd('on-gpu'), runToEnd('on-cpu')]);
  assert.is(g.statusLabel, 'succeeded', JSON.stringify(g));
  assert.is(c.statusLabel, 'succeeded', JSON.stringify(c));
  assert.equal(steps(g).map((st) => st.where?.workerId), ['e-gpu', 'e-gpu']);
  assert.equal(steps(c).map((st) => st.where?.workerId), ['e-cpu', 'e-cpu']);
  assert.ok(steps(g).every((st) => st.where?.executor === 'bullmq' && st.where.host.length > 0));
  const log = await engine.runtime.stepLog('on-gpu', g.dagRunId, 'b', 'stdout');
  assert.match(log.content ?? JSON.stringify(log), /got from-/);
});

s('parallel steps of one run spread over the worker concurrency', async () => {
  engine.writeDag('fan', 'worker_selector:\n  gpu: true\nsteps:\n' + [1, 2, 3, 4].map((i) => `  - name: p${i}\n    run: sleep 0.8\n`).join(''));
  const t0 = Date.now();
  const d = await runToEnd('fan');
  assert.is(d.statusLabel, 'succeeded');
  assert.ok(Date.now() - t0 < 3200 * 2, 'four 0.8 s steps ran in parallel, not one after another');
  assert.equal(new Set(steps(d).map((st) => st.where?.workerId)), new Set(['e-gpu']));
});

s('stop cancels the remote step; timeout_sec too', async () => {
  engine.writeDag('long', 'worker_selector:\n  pool: cpu\nsteps:\n  - name: wait\n    run: sleep 30\n');
  const { dagRunId } = await engine.runtime.start({ name: 'long' });
  await until(async () => steps((await engine.runtime.getRun('long', dagRunId))!)[0]?.where, 20_000, 'the step to start on a worker');
  await engine.runtime.stop('long', dagRunId);
  const { details } = await engine.runtime.waitForRun('long', dagRunId, 20_000);
  assert.is(details.statusLabel, 'aborted');
  engine.writeDag('slow', 'timeout_sec: 1\nworker_selector:\n  pool: cpu\nsteps:\n  - name: wait\n    run: sleep 30\n');
  const t = await runToEnd('slow', 20_000);
  assert.is(t.statusLabel, 'failed');
});

s('no live worker matches: the run waits (not failed), then runs when a worker with the label joins', async () => {
  engine.writeDag('arm', 'worker_selector:\n  arch: arm64\nsteps:\n  - name: s\n    run: echo ok\n');
  const { dagRunId } = await engine.runtime.start({ name: 'arm' });
  await new Promise((r) => setTimeout(r, 1000));
  const before = (await engine.runtime.getRun('arm', dagRunId))!;
  assert.ok(['running', 'queued'].includes(before.statusLabel), before.statusLabel);
  assert.ok(executor.waiting().some((w) => w.runId === dagRunId && /arch=arm64/.test(w.reason)));
  // The reason is in the run's details (what REST, dagu://runs and the CLI show), on the run and its step.
  assert.is(before.waiting, 'step s: waiting for a worker with labels arch=arm64: no live worker matches', JSON.stringify(before));
  assert.is(before.steps[0]!.waiting, 'waiting for a worker with labels arch=arm64: no live worker matches');
  assert.is(before.steps[0]!.statusLabel, 'not_started');
  const listed = (await engine.runtime.listRuns({ name: 'arm' })).items.find((d) => d.dagRunId === dagRunId)!;
  assert.match(listed.waiting ?? '', /arch=arm64/);
  const arm = await spawnWorker({ redisUrl: redis.url, prefix, id: 'e-arm', labels: { arch: 'arm64' } });
  try {
    const { details } = await engine.runtime.waitForRun('arm', dagRunId, 30_000);
    assert.is(details.statusLabel, 'succeeded');
    assert.is(steps(details)[0]!.where?.workerId, 'e-arm');
    assert.is(details.waiting, undefined);
    assert.is(details.steps[0]!.waiting, undefined);
  } finally {
    await arm.stop();
  }
});

s('a worker SIGKILLed mid-step: the attempt is lost ("worker lost") in bounded time; retry_policy retries it on the other worker', async () => {
  const [k1, k2] = await Promise.all([
    spawnWorker({ redisUrl: redis.url, prefix, id: 'e-k1', labels: { pool: 'kill' } }),
    spawnWorker({ redisUrl: redis.url, prefix, id: 'e-k2', labels: { pool: 'kill' } }),
  ]);
  try {
    const mark = `/tmp/troupe-e2e-mark-${prefix}`;
    // exit_code lists only 7: a lost attempt has no exit code and is retried all the same.
    engine.writeDag('victim', `worker_selector:\n  pool: kill\nsteps:\n  - name: work\n    run: if [ -f ${mark} ]; then echo second; else touch ${mark}; sleep 30; fi\n    retry_policy:\n      limit: 1\n      interval_sec: 0\n      exit_code: [7]\n`);
    const { dagRunId } = await engine.runtime.start({ name: 'victim' });
    const where = await until(async () => steps((await engine.runtime.getRun('victim', dagRunId))!)[0]?.where, 20_000, 'the step to start');
    const t0 = Date.now();
    await (where.workerId === 'e-k1' ? k1 : k2).stop('SIGKILL');
    const other = where.workerId === 'e-k1' ? 'e-k2' : 'e-k1';
    // The loss is seen within the bound (2 s here, plus one registry poll): the step retries.
    const retried = await until(async () => {
      const st = steps((await engine.runtime.getRun('victim', dagRunId))!)[0]!;
      return st.retryCount === 1 ? st : undefined;
    }, 20_000, 'the lost attempt to be retried');
    assert.ok(Date.now() - t0 < 2000 + 8000, `retried ${Date.now() - t0} ms after the kill`);
    assert.is(retried.retryCount, 1);
    const { details } = await engine.runtime.waitForRun('victim', dagRunId, 30_000);
    assert.is(details.statusLabel, 'succeeded', JSON.stringify(details));
    const st = steps(details)[0]!;
    assert.is(st.where?.workerId, other, 'the retry ran on the live worker');
    assert.is(st.retryCount, 1);
    assert.is(st.error, undefined);
    const log = await engine.runtime.stepLog('victim', dagRunId, 'work', 'stdout');
    assert.match(log.content ?? '', /second/);
  } finally {
    await Promise.all([k1.stop('SIGKILL'), k2.stop('SIGKILL')]);
  }
});

s('a worker SIGKILLed mid-step with no retry_policy: the step fails "worker lost" in bounded time', async () => {
  const k3 = await spawnWorker({ redisUrl: redis.url, prefix, id: 'e-k3', labels: { pool: 'kill3' } });
  try {
    engine.writeDag('victim2', 'worker_selector:\n  pool: kill3\nsteps:\n  - name: work\n    run: sleep 30\n');
    const { dagRunId } = await engine.runtime.start({ name: 'victim2' });
    await until(async () => steps((await engine.runtime.getRun('victim2', dagRunId))!)[0]?.where, 20_000, 'the step to start');
    const t0 = Date.now();
    await k3.stop('SIGKILL');
    const { details } = await engine.runtime.waitForRun('victim2', dagRunId, 30_000);
    assert.ok(Date.now() - t0 < 2000 + 8000, `ended ${Date.now() - t0} ms after the kill`);
    assert.is(details.statusLabel, 'failed', JSON.stringify(details));
    assert.match(steps(details)[0]!.error ?? '', /worker lost/);
  } finally {
    await k3.stop('SIGKILL');
  }
});

s.run();
