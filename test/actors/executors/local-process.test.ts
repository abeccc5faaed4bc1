import { systemClock } from '../../../src/core/clock.ts';
import { createMemoryLogger } from '../../../src/core/logger.ts';
import { createLocalProcessExecutor } from '../../../src/actors/executors/local-process.ts';
import { executorContract } from './contract.ts';

// The helper launcher with file sinks is production's path; the direct launcher with write()
// sinks covers the other two combinations' code.
executorContract('local (helper)', () => ({ executor: createLocalProcessExecutor({ logger: createMemoryLogger() }), clock: systemClock }), { files: true });
executorContract('local (direct)', () => ({ executor: createLocalProcessExecutor({ launcher: 'direct', logger: createMemoryLogger() }), clock: systemClock }));

// Local-specific behaviour: real processes, and a simulated clock for the executor's own timing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobEvent, JobExited, JobLost, StepExecutor } from '../../../src/actors/executors/port.ts';
import { DEFAULT_LOG_BYTES, logTruncatedMarker, newJobId } from '../../../src/actors/executors/port.ts';
import { createSimulatedClock } from '../../../src/core/simulated-clock.ts';
import { fileSink, makeJob, memorySink } from './contract.ts';

/** Live (non-zombie) processes whose environment carries `TROUPE_JOB_ID=<jobId>`: an independent check. */
function marked(jobId: string): number[] {
  const needle = `\0TROUPE_JOB_ID=${jobId}\0`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = `\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}`;
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (env.includes(needle) && stat[stat.lastIndexOf(')') + 2] !== 'Z') out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const events = (executor: StepExecutor, command: string, extra = {}, sink = memorySink()) => {
  const job = makeJob(command, extra);
  const handle = executor.submit(job, { log: sink });
  return { job, sink, handle, all: lastValueFrom(handle.events$.pipe(toArray())) };
};

const scratch = mkdtempSync(join(tmpdir(), 'troupe-local-executor-'));
// Three escapes: a background child, a setsid one, and a setsid double fork; the pause lets them all start.
const BACKGROUND = 'sleep 300 & setsid sleep 300 & (setsid sh -c "sleep 300 &"); sleep 0.2; echo ready';

for (const launcher of ['helper', 'direct'] as const) {
  test(`${launcher}: a step's background children and setsid escapes do not outlive it`, async () => {
    const executor = createLocalProcessExecutor({ launcher, logger: createMemoryLogger() });
    try {
      const { job, all } = events(executor, BACKGROUND);
      const exit = (await all).at(-1) as JobExited;
      assert.is(exit.exitCode, 0);
      assert.ok((exit.killedLeftovers ?? 0) >= 3, `killed ${exit.killedLeftovers}`);
      assert.equal(marked(job.jobId), []);
    } finally {
      await executor.close();
    }
  });

  test(`${launcher}: stop (cancel) leaves nothing behind either`, async () => {
    const executor = createLocalProcessExecutor({ launcher, logger: createMemoryLogger() });
    try {
      const { job, sink, handle, all } = events(executor, `${BACKGROUND}; sleep 300`);
      await until(() => sink.text('stdout').includes('ready'));
      assert.ok(marked(job.jobId).length >= 4);
      await executor.cancel(handle.jobId, { signal: 'SIGTERM' });
      const exit = (await all).at(-1) as JobExited;
      assert.is(exit.signal, 'SIGTERM');
      assert.equal(marked(job.jobId), []);
    } finally {
      await executor.close();
    }
  });
}

test('cancel grace runs on the injected clock: SIGKILL exactly when the grace has passed', async () => {
  const clock = createSimulatedClock(0);
  const executor = createLocalProcessExecutor({ clock, graceMs: 5000, logger: createMemoryLogger() });
  try {
    const { job, sink, handle, all } = events(executor, "trap '' TERM; echo ready; sleep 300");
    await until(() => sink.text('stdout') === 'ready\n');
    await executor.cancel(handle.jobId);
    await new Promise((r) => setTimeout(r, 300));
    await clock.advance(4999);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(marked(job.jobId).length > 0, 'still running before the grace has passed');
    await clock.advance(1);
    const exit = (await all).at(-1) as JobExited;
    assert.is(exit.signal, 'SIGKILL');
    assert.is(exit.at, 5000);
    assert.equal(marked(job.jobId), []);
  } finally {
    await executor.close();
  }
});

test('a step printing 200 MB ends with a 64 MiB log, the marker, and the exit saying so', async () => {
  const executor = createLocalProcessExecutor({ logger: createMemoryLogger() });
  try {
    const sink = fileSink(scratch, 'big');
    const { all } = events(executor, 'head -c 200000000 /dev/zero | tr "\\0" x; echo tail >&2', {}, sink);
    const exit = (await all).at(-1) as JobExited;
    assert.is(exit.exitCode, 0);
    assert.equal(exit.log, { bytes: DEFAULT_LOG_BYTES, truncated: true, droppedBytes: 200_000_005 - DEFAULT_LOG_BYTES });
    const marker = logTruncatedMarker(DEFAULT_LOG_BYTES);
    assert.is(statSync(sink.files!.stdout).size, DEFAULT_LOG_BYTES + Buffer.byteLength(marker));
    assert.ok(readFileSync(sink.files!.stdout, 'utf8').endsWith(marker));
    assert.is(statSync(sink.files!.stderr).size, 0);
  } finally {
    await executor.close();
  }
});

test('output: over the default 1 MiB is a clear outputError, and the log still has it all', async () => {
  const executor = createLocalProcessExecutor({ launcher: 'direct', logger: createMemoryLogger() });
  try {
    const { all, sink } = events(executor, 'head -c 2000000 /dev/zero | tr "\\0" x', { captureOutput: true });
    const exit = (await all).at(-1) as JobExited;
    assert.is(exit.exitCode, 0);
    assert.is(exit.output, undefined);
    assert.is(exit.outputError, 'output exceeds max_output_size (1048576 bytes); not captured');
    assert.is(sink.text('stdout').length, 2_000_000);
    const ok = (await events(executor, 'head -c 1048576 /dev/zero | tr "\\0" y', { captureOutput: true }).all).at(-1) as JobExited;
    assert.is(ok.output?.length, 1_048_576);
  } finally {
    await executor.close();
  }
});

test('cwd, a missing shell, exit by SIGKILL', async () => {
  const executor = createLocalProcessExecutor({ launcher: 'direct', logger: createMemoryLogger() });
  try {
    const pwd = (await events(executor, 'pwd', { cwd: scratch, captureOutput: true }).all).at(-1) as JobExited;
    assert.is(pwd.output, scratch);
    const noShell = await events(executor, 'true', { shell: ['/nonexistent/sh'] }).all;
    assert.equal(noShell.map((e) => e.type), ['exited']);
    assert.match((noShell[0] as JobExited).error ?? '', /ENOENT/);
    const killed = (await events(executor, 'kill -KILL $$').all).at(-1) as JobExited;
    assert.equal([killed.exitCode, killed.signal], [null, 'SIGKILL']);
  } finally {
    await executor.close();
  }
});

/** The helper process of `parent` (there is one executor with a helper at a time). */
function helperPid(parent = process.pid): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes('launcher-helper')) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

test('a helper that dies: its jobs are killed and reported lost; the next job gets a new helper', async () => {
  const logger = createMemoryLogger();
  const executor = createLocalProcessExecutor({ logger });
  try {
    const { job, sink, all } = events(executor, `${BACKGROUND}; sleep 300`);
    await until(() => sink.text('stdout').includes('ready'));
    const helper = helperPid();
    assert.ok(helper, 'helper found');
    process.kill(helper!, 'SIGKILL');
    const last = (await all).at(-1) as JobLost;
    assert.is(last.type, 'lost');
    assert.match(last.reason, /launcher died \(killed by SIGKILL\); [4-9] processes of the job killed/);
    assert.equal(marked(job.jobId), []);
    assert.ok(logger.lines.some((l) => l.msg === 'launcher helper died'));
    const next = (await events(executor, 'echo again').all).at(-1) as JobExited;
    assert.is(next.exitCode, 0);
    assert.not.equal(helperPid(), helper);
  } finally {
    await executor.close();
  }
  assert.is(helperPid(), undefined, 'close stops the helper');
});

test('a SIGKILL of the server alone: its helper notices, kills the jobs, and exits', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/_support/executor-child.ts', `troupe-test-${newJobId()}`, `${BACKGROUND}; sleep 300`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const jobId = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) (/^[0-9a-f-]{36}\n/.test(out) ? resolve(out.trim()) : reject(new Error(out)));
    });
  });
  assert.ok(marked(jobId).length >= 4);
  const helper = helperPid(child.pid);
  assert.ok(helper, 'the server has a helper');
  child.kill('SIGKILL');
  await until(() => marked(jobId).length === 0, 15_000);
  await until(() => !alive(helper!), 15_000);
});

test('reconcile after a crash of server and helper: the job and other leftovers of the scope are killed', async () => {
  const scope = `troupe-test-${newJobId()}`;
  const start = (command: string) =>
    new Promise<{ jobId: string; kill: () => void }>((resolve, reject) => {
      // Detached: its own process group, so one SIGKILL takes the "server" and its helper at once.
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/_support/executor-child.ts', scope, command], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n')[0]!;
        if (out.includes('\n')) (/^[0-9a-f-]{36}$/.test(line) ? resolve({ jobId: line, kill: () => process.kill(-child.pid!, 'SIGKILL') }) : reject(new Error(out)));
      });
      child.once('error', reject);
    });
  const listed = await start(`${BACKGROUND}; sleep 300`);
  const unlisted = await start('setsid sleep 300 & echo ready; sleep 300');
  listed.kill();
  unlisted.kill();
  await new Promise((r) => setTimeout(r, 200));
  // The launcher died with the server: its jobs' processes are still there.
  assert.ok(marked(listed.jobId).length >= 4, 'leftovers of the listed job');
  assert.ok(marked(unlisted.jobId).length >= 2, 'leftovers of the unlisted job');
  const logger = createMemoryLogger();
  const executor = createLocalProcessExecutor({ scope, logger });
  try {
    const stranger = newJobId();
    const fates = await executor.reconcile([
      { jobId: listed.jobId, runName: 'crash', runId: 'r1', attempt: 1, step: 's' },
      { jobId: stranger, runName: 'crash', runId: 'r2', attempt: 1, step: 's' },
    ]);
    assert.is(fates[0]!.fate, 'killed');
    assert.ok(fates[0]!.fate === 'killed' && fates[0]!.processes >= 4);
    assert.equal(fates[1], { jobId: stranger, fate: 'absent' });
    assert.equal(marked(listed.jobId), []);
    assert.equal(marked(unlisted.jobId), []);
    assert.ok(logger.lines.some((l) => l.msg === 'killed leftover processes of earlier jobs'));
  } finally {
    await executor.close();
  }
});

test('processes of jobs with other scopes are never touched by reconcile', async () => {
  const mine = createLocalProcessExecutor({ scope: `a-${newJobId()}`, launcher: 'direct', logger: createMemoryLogger() });
  const theirs = createLocalProcessExecutor({ scope: `b-${newJobId()}`, launcher: 'direct', logger: createMemoryLogger() });
  try {
    const { job, sink, all } = events(theirs, 'echo ready; sleep 300');
    await until(() => sink.text('stdout').includes('ready'));
    assert.equal(await mine.reconcile([]), []);
    assert.ok(marked(job.jobId).length > 0);
    await theirs.cancel(job.jobId, { signal: 'SIGKILL' });
    assert.is(((await all).at(-1) as JobEvent).type, 'exited');
  } finally {
    await mine.close();
    await theirs.close();
  }
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));
test.run();
