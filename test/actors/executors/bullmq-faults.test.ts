import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createBullmqExecutor } from '../../../src/actors/executors/bullmq-executor.ts';
import type { BullmqExecutor } from '../../../src/actors/executors/bullmq-executor.ts';
import type { JobRef } from '../../../src/actors/executors/port.ts';
import { createMemoryLogger } from '../../../src/core/logger.ts';
import { collect, lastEvent, runJob, sleep, submitJob, testJob, whenStarted, workerOf } from '../../_support/executor-jobs.ts';
import type { Exited, Lost } from '../../_support/executor-jobs.ts';
import { jobProcesses, killJobProcesses } from '../../_support/job-processes.ts';
import { startRedis, uniquePrefix } from '../../_support/redis.ts';
import type { TestRedis } from '../../_support/redis.ts';
import { spawnWorker } from '../../_support/workers.ts';
import type { WorkerProcess } from '../../_support/workers.ts';

const s = suite('BullMQ executor: faults (worker SIGKILL, SIGTERM, server restart, Redis restart)');

const LOST_AFTER_MS = 2000;
let redis: TestRedis;
const logger = createMemoryLogger();
const spawned: WorkerProcess[] = [];
const executors: BullmqExecutor[] = [];
const jobIds: string[] = [];

async function worker(prefix: string, id: string, extra: Partial<Parameters<typeof spawnWorker>[0]> = {}) {
  const w = await spawnWorker({ redisUrl: redis.url, prefix, id, labels: { pool: 'f' }, ...extra });
  spawned.push(w);
  return w;
}
async function executor(prefix: string) {
  const ex = await createBullmqExecutor({ redisUrl: redis.url, prefix, logger, lostAfterMs: LOST_AFTER_MS });
  executors.push(ex);
  return ex;
}
const ref = (j: JobRef): JobRef => ({ jobId: j.jobId, runName: j.runName, runId: j.runId, attempt: j.attempt, step: j.step });
const job = (over: Parameters<typeof testJob>[0]) => {
  const j = testJob({ placement: { workerSelector: { pool: 'f' } }, ...over });
  jobIds.push(j.jobId);
  return j;
};

s.before(async () => {
  // Persistent, so that a restart keeps BullMQ's queues (as a production Redis with AOF does).
  redis = await startRedis({ persistent: true });
});
s.after(async () => {
  for (const ex of executors) await ex.close().catch(() => {});
  await Promise.all(spawned.map((w) => w.stop('SIGKILL')));
  for (const id of jobIds) killJobProcesses(id);
  await redis.stop();
});

s('a worker SIGKILLed mid-step: the step ends "worker lost" within the bound; a retry runs on the other worker', async () => {
  const prefix = uniquePrefix('kill');
  const [a, b] = await Promise.all([worker(prefix, 'wk-a'), worker(prefix, 'wk-b')]);
  const ex = await executor(prefix);
  await ex.reconcile([]);
  const first = job({ runId: 'r-kill', command: 'sleep 20', placement: { workerSelector: { pool: 'f' }, affinity: 'r-kill' } });
  const { handle, done } = submitJob(ex, first);
  const st = await whenStarted(handle);
  const victim = st.where.workerId === 'wk-a' ? a : b;
  const t0 = Date.now();
  await victim.stop('SIGKILL');
  const r = await done;
  const elapsed = Date.now() - t0;
  const lost = lastEvent(r) as Lost;
  assert.is(lost.type, 'lost');
  assert.match(lost.reason, /worker lost/);
  assert.ok(elapsed < LOST_AFTER_MS + 3000, `lost after ${elapsed} ms (bound ${LOST_AFTER_MS} ms)`);
  // The retry is a new job of the same run; the run's worker is gone, so it moves.
  const retry = await runJob(ex, job({ runId: 'r-kill', command: 'echo again', captureOutput: true, placement: { workerSelector: { pool: 'f' }, affinity: 'r-kill' } }));
  assert.is(workerOf(retry), victim === a ? 'wk-b' : 'wk-a');
  assert.is((lastEvent(retry) as Exited).output, 'again');
});

s('SIGTERM on a worker: running steps get the grace period, then are handed back lost; queued steps move to another worker', async () => {
  const prefix = uniquePrefix('term');
  const w1 = await worker(prefix, 'wt-1', { concurrency: 1, graceSec: 1 });
  const ex = await executor(prefix);
  await ex.reconcile([]);
  const long = submitJob(ex, job({ runId: 'r-term', command: 'sleep 20', placement: { workerSelector: { pool: 'f' }, affinity: 'r-term' } }));
  await whenStarted(long.handle);
  const queued = submitJob(ex, job({ runId: 'r-term', command: 'echo moved', captureOutput: true, placement: { workerSelector: { pool: 'f' }, affinity: 'r-term' } }));
  await sleep(300);
  const w2 = await worker(prefix, 'wt-2');
  const code = await w1.stop('SIGTERM');
  assert.is(code, 0, w1.output());
  const lost = lastEvent(await long.done) as Lost;
  assert.is(lost.type, 'lost');
  assert.match(lost.reason, /shut down/);
  const moved = await queued.done;
  assert.is(workerOf(moved), w2.id);
  assert.is((lastEvent(moved) as Exited).output, 'moved');
});

s('a server restart while a worker runs a step: reconcile re-attaches; a step that ended meanwhile is reported; leftovers are stopped; nothing runs twice', async () => {
  const prefix = uniquePrefix('restart');
  await worker(prefix, 'wr-1');
  const dir = mkdtempSync(join(tmpdir(), 'troupe-restart-'));
  const ranFile = join(dir, 'ran');
  const ex1 = await executor(prefix);
  await ex1.reconcile([]);
  const running = job({ command: `echo x >> ${ranFile}; sleep 1.5; echo finished`, captureOutput: true });
  const quick = job({ command: 'sleep 0.3; echo quick', captureOutput: true });
  const orphan = job({ command: 'sleep 30' });
  const handles = [running, quick, orphan].map((j) => submitJob(ex1, j).handle);
  await Promise.all(handles.map(whenStarted));
  await ex1.close();
  await sleep(800);
  const ex2 = await executor(prefix);
  const fates = await ex2.reconcile([ref(running), ref(quick)]);
  const byId = new Map(fates.map((f) => [f.jobId, f]));
  const q = byId.get(quick.jobId)!;
  assert.is(q.fate, 'exited');
  assert.is(q.fate === 'exited' && q.exit.output, 'quick');
  const r = byId.get(running.jobId)!;
  assert.is(r.fate, 'running');
  if (r.fate !== 'running') return;
  const events = await collect(r.handle);
  const exit = events[events.length - 1] as Exited;
  assert.is(exit.type, 'exited');
  assert.is(exit.exitCode, 0);
  assert.is(exit.output, 'finished');
  assert.is(readFileSync(ranFile, 'utf8'), 'x\n', 'the step ran once');
  // The job nobody listed was stopped on its worker.
  for (let i = 0; i < 50 && jobProcesses(orphan.jobId).length > 0; i++) await sleep(100);
  assert.equal(jobProcesses(orphan.jobId), []);
});

s('Redis restarted mid-run: the step keeps running and its end arrives once Redis is back; the worker is not declared lost', async () => {
  const prefix = uniquePrefix('redis');
  await worker(prefix, 'wd-1');
  const ex = await executor(prefix);
  await ex.reconcile([]);
  const { handle, done } = submitJob(ex, job({ command: 'sleep 2; echo survived', captureOutput: true }));
  await whenStarted(handle);
  await redis.stop();
  await sleep(1000);
  await redis.start();
  const r = await done;
  const e = lastEvent(r) as Exited;
  assert.is(e.type, 'exited', JSON.stringify(r.events));
  assert.is(e.exitCode, 0);
  assert.is(e.output, 'survived');
  assert.is(r.stdout, 'survived\n');
  // And the pool still works afterwards.
  const after = await runJob(ex, job({ command: 'echo ok', captureOutput: true }));
  assert.is((lastEvent(after) as Exited).output, 'ok');
});

s.run();
