import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createBullmqExecutor } from '../../../src/actors/executors/bullmq-executor.ts';
import type { BullmqExecutor } from '../../../src/actors/executors/bullmq-executor.ts';
import type { JobEvent, StepJob } from '../../../src/actors/executors/port.ts';
import { lastEvent, runJob, submitJob, testJob, whenStarted, workerOf } from '../../_support/executor-jobs.ts';
import { createMemoryLogger } from '../../../src/core/logger.ts';
import { isTroupeError } from '../../../src/core/index.ts';
import { sharedRedis, uniquePrefix } from '../../_support/redis.ts';
import { spawnWorker } from '../../_support/workers.ts';
import type { WorkerProcess } from '../../_support/workers.ts';

const s = suite('BullMQ executor with real troupe worker processes');

const redis = await sharedRedis();
const prefix = uniquePrefix('exec');
const logger = createMemoryLogger();
let ex: BullmqExecutor;
let gpu: WorkerProcess;
let cpu: WorkerProcess;
const run = (j: StepJob) => runJob(ex, j);
const submit = (j: StepJob) => submitJob(ex, j);
const job = testJob;
const startedOn = workerOf;
const last = lastEvent;
const started = whenStarted;

s.before(async () => {
  [gpu, cpu] = await Promise.all([
    spawnWorker({ redisUrl: redis.url, prefix, id: 'w-gpu', labels: { gpu: 'true', zone: 'a' }, concurrency: 2 }),
    spawnWorker({ redisUrl: redis.url, prefix, id: 'w-cpu', labels: { pool: 'cpu', zone: 'a' }, concurrency: 2 }),
  ]);
  ex = await createBullmqExecutor({ redisUrl: redis.url, prefix, logger, lostAfterMs: 2000 });
  await ex.reconcile([]);
});

s.after(async () => {
  await ex?.close();
  await Promise.all([gpu?.stop(), cpu?.stop()]);
  await redis.stop();
});

s('a step runs on a worker: started with worker id and host, exit code, stdout and stderr, captured output', async () => {
  const r = await run(job({ command: 'echo "hi $WHO"; echo oops >&2; exit 3', env: { PATH: process.env.PATH!, WHO: 'there' }, captureOutput: true }));
  assert.equal(r.events.map((e) => e.type), ['started', 'exited']);
  const st = r.events[0] as Extract<JobEvent, { type: 'started' }>;
  assert.equal(st.where.executor, 'bullmq');
  assert.ok(['w-gpu', 'w-cpu'].includes(st.where.workerId));
  assert.ok(st.where.host.length > 0);
  const ex1 = last(r) as Extract<JobEvent, { type: 'exited' }>;
  assert.is(ex1.exitCode, 3);
  assert.is(ex1.output, 'hi there');
  assert.is(r.stdout, 'hi there\n');
  assert.is(r.stderr, 'oops\n');
});

s('the server\'s per-run work directory, missing on the worker host: the step runs in the same place under the worker\'s own per-run directory', async () => {
  const base = `/nonexistent-troupe-server-${prefix}/work/dag/r1`;
  const j = job({ command: 'pwd; echo "$PWD"', cwd: `${base}/sub`, env: { PATH: process.env.PATH!, PWD: `${base}/sub` }, placement: { workerSelector: { gpu: 'true' }, runWorkDir: base } });
  const r = await run(j);
  const e = last(r) as Extract<JobEvent, { type: 'exited' }>;
  assert.is(e.exitCode, 0, JSON.stringify(r));
  const want = `${gpu.workDir}/runs/dag/${j.runId}/sub`;
  assert.is(r.stdout, `${want}\n${want}\n`);
  // A directory the worker host has (a shared filesystem, or the same host) is used as is.
  const here = job({ command: 'pwd', cwd: gpu.workDir, placement: { workerSelector: { gpu: 'true' }, runWorkDir: gpu.workDir } });
  assert.is((await run(here)).stdout, `${gpu.workDir}\n`);
});

s('the step sees TROUPE_JOB_ID; a missing working directory is a clear exited error', async () => {
  const j = job({ command: 'echo $TROUPE_JOB_ID', captureOutput: true });
  const r = await run(j);
  assert.is((last(r) as Extract<JobEvent, { type: 'exited' }>).output, j.jobId);
  const bad = await run(job({ command: 'true', cwd: '/nonexistent/troupe-dir' }));
  const e = last(bad) as Extract<JobEvent, { type: 'exited' }>;
  assert.is(e.type, 'exited');
  assert.match(e.error ?? '', /working directory/);
});

s('worker_selector picks workers by label', async () => {
  const onGpu = await Promise.all([1, 2, 3].map(() => run(job({ command: 'true', placement: { workerSelector: { gpu: 'true' } } }))));
  const onCpu = await Promise.all([1, 2, 3].map(() => run(job({ command: 'true', placement: { workerSelector: { pool: 'cpu' } } }))));
  assert.equal(onGpu.map(startedOn), ['w-gpu', 'w-gpu', 'w-gpu']);
  assert.equal(onCpu.map(startedOn), ['w-cpu', 'w-cpu', 'w-cpu']);
});

s('run affinity: every step of a run goes to one worker; runs spread over workers', async () => {
  const where = new Map<string, Set<string>>();
  for (const runId of ['ra', 'rb', 'rc', 'rd']) {
    const results = await Promise.all([1, 2, 3].map((i) => run(job({ runId, step: `s${i}`, command: 'true', placement: { affinity: runId, workerSelector: { zone: 'a' } } }))));
    where.set(runId, new Set(results.map(startedOn) as string[]));
  }
  for (const [runId, ws] of where) assert.is(ws.size, 1, `run ${runId} ran on ${[...ws].join(',')}`);
  const all = new Set([...where.values()].flatMap((s) => [...s]));
  assert.is(all.size, 2, 'runs were spread over both workers');
});

s('parallel steps of a run use the worker concurrency (2), and no more', async () => {
  const jobs = [1, 2, 3, 4].map((i) => job({ runId: 'par', step: `p${i}`, command: 'sleep 0.6', placement: { affinity: 'par', workerSelector: { gpu: 'true' } } }));
  const results = await Promise.all(jobs.map(run));
  const spans = results.map((r) => [r.events[0]!.at, last(r).at] as const);
  let maxOverlap = 0;
  for (const [a] of spans) maxOverlap = Math.max(maxOverlap, spans.filter(([b, e]) => b <= a && a < e).length);
  assert.is(maxOverlap, 2);
});

s('no live worker matches: the step waits with a clear reason, then runs when one joins', async () => {
  const { handle, done } = submit(job({ command: 'echo ran', captureOutput: true, placement: { workerSelector: { arch: 'arm64' } } }));
  await new Promise((r) => setTimeout(r, 600));
  const waiting = ex.waiting().find((w) => w.jobId === handle.jobId);
  assert.ok(waiting, 'listed as waiting');
  assert.match(waiting!.reason, /arch=arm64/);
  const arm = await spawnWorker({ redisUrl: redis.url, prefix, id: 'w-arm', labels: { arch: 'arm64' } });
  try {
    const r = await done;
    assert.is(startedOn(r), 'w-arm');
    assert.is((last(r) as Extract<JobEvent, { type: 'exited' }>).output, 'ran');
  } finally {
    await arm.stop();
  }
});

s('cancel stops the remote process (stop), with the signal; cancel of a waiting step ends it', async () => {
  const t0 = Date.now();
  const { handle, done } = submit(job({ command: 'sleep 30', placement: { workerSelector: { pool: 'cpu' } } }));
  await started(handle);
  await ex.cancel(handle.jobId, { signal: 'SIGTERM', graceMs: 500 });
  const r = await done;
  const e = last(r) as Extract<JobEvent, { type: 'exited' }>;
  assert.is(e.type, 'exited');
  assert.is(e.signal, 'SIGTERM');
  assert.ok(Date.now() - t0 < 10_000);
  const w = submit(job({ command: 'true', placement: { workerSelector: { nobody: 'here' } } }));
  await new Promise((r2) => setTimeout(r2, 200));
  await ex.cancel(w.handle.jobId);
  const wr = await w.done;
  assert.equal(wr.events.map((x) => x.type), ['exited']);
  assert.match((last(wr) as Extract<JobEvent, { type: 'exited' }>).error ?? '', /cancelled before it started/);
});

s('a step that traps SIGTERM is killed after the grace period', async () => {
  const { handle, done } = submit(job({ command: "trap '' TERM; sleep 30", placement: { workerSelector: { pool: 'cpu' } } }));
  await started(handle);
  await new Promise((r) => setTimeout(r, 200));
  await ex.cancel(handle.jobId, { signal: 'SIGTERM', graceMs: 300 });
  const e = last(await done) as Extract<JobEvent, { type: 'exited' }>;
  assert.is(e.signal, 'SIGKILL');
});

s('GET-able registry: live workers with labels, concurrency and heartbeat', async () => {
  const ws = await ex.workers();
  const ids = ws.map((w) => w.id);
  assert.ok(ids.includes('w-gpu') && ids.includes('w-cpu'));
  const g = ws.find((w) => w.id === 'w-gpu')!;
  assert.equal(g.labels, { gpu: 'true', zone: 'a' });
  assert.is(g.concurrency, 2);
  assert.ok(Date.now() - Date.parse(g.lastHeartbeatAt) < 5000);
});

s('a Redis that cannot be reached: a clear EXECUTOR_UNAVAILABLE error, password never shown', async () => {
  try {
    await createBullmqExecutor({ redisUrl: 'redis://ops:s3cret-pw@127.0.0.1:1', prefix: uniquePrefix(), logger });
    assert.unreachable('should refuse');
  } catch (error) {
    assert.ok(isTroupeError(error));
    assert.is((error as { code: string }).code, 'EXECUTOR_UNAVAILABLE');
    assert.match((error as Error).message, /cannot reach Redis at redis:\/\/ops:\*\*\*@127\.0\.0\.1:1/);
    assert.not.match((error as Error).message, /s3cret/);
  }
  assert.not.match(JSON.stringify(logger.lines), /s3cret/);
});

s.run();
