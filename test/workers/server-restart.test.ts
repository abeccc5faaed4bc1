// A server crash while its steps run on a worker, end to end: a runtime with the BullMQ
// executor in a child process, SIGKILLed mid-run; a real `troupe worker`; a real Redis. The
// next server life reconciles with the jobs in Redis: nothing runs twice, nothing is left
// running, and a step that ended on its worker meanwhile keeps its true end.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createBullmqExecutor } from '../../src/actors/executors/bullmq-executor.ts';
import type { BullmqExecutor } from '../../src/actors/executors/bullmq-executor.ts';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { createMemoryLogger } from '../../src/core/logger.ts';
import { createTestEngine, until } from '../_support/engine.ts';
import { jobProcesses, killJobProcesses } from '../_support/job-processes.ts';
import { sharedRedis, uniquePrefix } from '../_support/redis.ts';
import { spawnWorker } from '../_support/workers.ts';

const s = suite('server restart while a worker runs its steps (BullMQ)');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

s('the crashed run is reconciled: the running step is stopped on its worker, the finished one keeps its end, nothing runs twice', async () => {
  const redis = await sharedRedis();
  const prefix = uniquePrefix('srv-restart');
  const dir = mkdtempSync(join(tmpdir(), 'troupe-srv-restart-'));
  const worker = await spawnWorker({ redisUrl: redis.url, prefix, id: 'wsr-1', labels: { pool: 'restart' }, concurrency: 4 });
  let executor: BullmqExecutor | undefined;
  let slowJob = '';
  let child: ReturnType<typeof spawn> | undefined;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', 'test/_support/bullmq-engine-child.ts', dir, redis.url, prefix], { stdio: ['ignore', 'inherit', 'inherit'] });
    const exited = new Promise((r) => child!.once('exit', r));
    await until(() => existsSync(join(dir, 'ready')) || child!.exitCode !== null, 90_000, 'the child server to start its run');
    assert.ok(existsSync(join(dir, 'ready')), 'the child server started the run');
    const ready = JSON.parse(readFileSync(join(dir, 'ready'), 'utf8')) as { dagRunId: string; where: string[] };
    assert.equal(ready.where, ['wsr-1', 'wsr-1']);
    slowJob = await until(() => (existsSync(join(dir, 'slow.job')) ? readFileSync(join(dir, 'slow.job'), 'utf8').trim() : ''), 10_000, 'the slow step to write its job id');

    child.kill('SIGKILL');
    await exited;
    // The server is gone; the worker goes on: the slow step still runs, the quick one ends.
    assert.ok(jobProcesses(slowJob).length > 0, 'the slow step outlives the server crash on its worker');
    await until(() => existsSync(join(dir, 'quick.ran')), 10_000, 'the quick step to end on the worker while the server is down');
    await sleep(300);

    const seen: RuntimeEvent[] = [];
    executor = await createBullmqExecutor({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), lostAfterMs: 2000 });
    const e = await createTestEngine({ dir, executor, observe: (ev$) => void ev$.subscribe((ev) => seen.push(ev)) });
    try {
      const d = (await e.runtime.getRun('crashy', 'crash-w1'))!;
      assert.is(d.statusLabel, 'failed');
      assert.is(d.error, 'interrupted by restart');
      const byName = Object.fromEntries(d.steps.map((st) => [st.name, st]));
      assert.is(byName.slow!.statusLabel, 'failed');
      assert.is(byName.slow!.error, 'interrupted by restart');
      assert.is(byName.quick!.statusLabel, 'succeeded', 'it ended on its worker while the server was down');
      assert.is(byName.quick!.exitCode, 0);
      assert.is(byName.after!.statusLabel, 'not_started');
      assert.ok(seen.some((ev) => ev.type === 'run.interrupted' && ev.run.dagRunId === 'crash-w1'));
      // Nothing is left running: the slow step is stopped on its worker.
      await until(() => jobProcesses(slowJob).length === 0, 15_000, 'the slow step to be stopped on the worker');
      // Nothing runs twice: each step ran once, and still once a while later.
      await sleep(1500);
      assert.is(readFileSync(join(dir, 'slow.ran'), 'utf8'), 'slow\n');
      assert.is(readFileSync(join(dir, 'quick.ran'), 'utf8'), 'quick\n');
      // The worker serves the new server life.
      e.writeDag('after-restart', 'worker_selector:\n  pool: restart\nsteps:\n  - name: s\n    run: echo ok\n');
      const { dagRunId } = await e.runtime.start({ name: 'after-restart' });
      const { details } = await e.runtime.waitForRun('after-restart', dagRunId, 30_000);
      assert.is(details.statusLabel, 'succeeded');
      assert.is(details.steps[0]!.where?.workerId, 'wsr-1');
    } finally {
      await e.shutdown();
    }
  } finally {
    child?.kill('SIGKILL');
    await executor?.close();
    if (slowJob) killJobProcesses(slowJob);
    await worker.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
