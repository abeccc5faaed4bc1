import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RuntimeEvent } from '../../src/actors/index.ts';
import { createInMemoryExecutor } from '../../src/actors/executors/in-memory.ts';
import { createLevelRunStore } from '../../src/store/level-run-store.ts';
import { createTestEngine, until } from '../_support/engine.ts';

const s = suite('runtime: recovery after a crash (child SIGKILLed mid-step)');

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

s('statuses are right, logs intact, leftover processes killed, queued runs resume in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-recovery-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/_support/engine-child.ts', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    await until(() => existsSync(join(dir, 'ready')), 90_000, 'the child to start its runs');
    const bgPid = Number(readFileSync(join(dir, 'bg.pid'), 'utf8').trim());
    assert.ok(alive(bgPid), 'the step is running');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(alive(bgPid), 'detached steps survive the crash of the runtime');

    const seen: RuntimeEvent[] = [];
    const e = await createTestEngine({ dir, observe: (ev$) => void ev$.subscribe((ev) => seen.push(ev)) });
    try {
      const crashed = await e.runtime.getRun('long', 'crash-1');
      assert.is(crashed?.statusLabel, 'failed');
      assert.is(crashed?.error, 'interrupted by restart');
      assert.is(crashed?.steps[0]?.statusLabel, 'failed');
      assert.is(crashed?.steps[1]?.statusLabel, 'not_started');
      assert.not.ok(alive(bgPid), 'the leftover process group was killed');
      const out = await e.runtime.stepLog('long', 'crash-1', 'work', 'stdout');
      assert.is(out.content, 'started', 'the log written before the crash is intact');
      assert.ok(seen.some((x) => x.type === 'run.interrupted' && x.run.dagRunId === 'crash-1'));
      assert.ok(seen.some((x) => x.type === 'run.finished' && x.run.dagRunId === 'crash-1' && x.status === 'failed'));
      // The queued runs were restored and now run, in their original order.
      for (const id of ['q-1', 'q-2']) {
        const { details, timedOut } = await e.runtime.waitForRun('q', id, 10_000);
        assert.not.ok(timedOut);
        assert.is(details.statusLabel, 'succeeded');
      }
      assert.is(readFileSync(join(dir, 'order'), 'utf8'), 'one\ntwo\n');
    } finally {
      await e.shutdown();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('a crash between a job\'s submit and its running status: a step whose job ran is failed, one whose job never existed stays not_started', async () => {
  // A step's job id is written before the job is submitted, its `running` status up to a
  // record write later. Such a record cannot be made reliably by killing a process at the right
  // millisecond, so the record a crash leaves in that window is written as it would be found.
  const first = await createTestEngine({ executor: createInMemoryExecutor() });
  const dir = first.dir;
  try {
    first.writeDag('pair', 'steps:\n  - name: a\n    run: echo a\n  - name: b\n    run: echo b\n');
    const done = await first.runtime.start({ name: 'pair' });
    await first.runtime.waitForRun('pair', done.dagRunId, 10_000);
    const store = createLevelRunStore(first.db);
    const template = (await store.get('pair', done.dagRunId))!;
    const crashed = structuredClone(template);
    crashed.dagRunId = 'crash-window';
    crashed.status = 'running';
    crashed.finishedAt = null;
    delete crashed.error;
    crashed.steps = crashed.steps.map((st, i) => ({ ...st, status: 'not_started', exitCode: null, startedAt: null, finishedAt: null, job: { jobId: i === 0 ? 'job-that-ran' : 'job-never-placed' } }));
    await store.putMany([crashed]);
    await first.shutdown();

    // The executor of the next life still finds the first job's processes (and kills them).
    const second = await createTestEngine({ dir, executor: createInMemoryExecutor({ leftovers: ['job-that-ran'] }) });
    try {
      const run = await second.runtime.getRun('pair', 'crash-window');
      assert.is(run?.statusLabel, 'failed');
      assert.is(run?.error, 'interrupted by restart');
      assert.is(run?.steps[0]?.statusLabel, 'failed', 'its job was running user code when the server died');
      assert.is(run?.steps[0]?.error, 'interrupted by restart');
      assert.ok(run?.steps[0]?.finishedAt);
      assert.is(run?.steps[1]?.statusLabel, 'not_started', 'its job was never found: nothing ran');
    } finally {
      await second.shutdown();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
