// The step-executor port's contract: one suite, run against every adapter (the way
// abstract-level tests each of its stores). Each adapter's test file calls
// `executorContract(name, factory)`. Commands stay within what both a real shell and the
// in-memory executor's small shell understand (echo, printf, sleep, exit, kill -SIG $$,
// trap '' SIG, yes | head -c N).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock } from '../../../src/core/clock.ts';
import type { JobEvent, JobExited, JobHandle, JobLogSink, LogStream, StepExecutor, StepJob } from '../../../src/actors/executors/port.ts';
import { logTruncatedMarker, newJobId } from '../../../src/actors/executors/port.ts';

export interface ContractHarness {
  executor: StepExecutor;
  /** The executor's clock (for `at` and grace checks). */
  clock: Clock;
  /** For executors on a simulated clock: lets time move one step. Real-time executors omit it. */
  drive?: () => Promise<void>;
  /** Releases whatever the factory made (the executor is closed by the suite). */
  dispose?: () => Promise<void>;
}

export interface ContractOptions {
  /** Give the executor sinks with local `files` (the local executor's fast path). */
  files?: boolean;
}

/** A sink recording what it receives, or one with files read back on demand. */
export interface TestSink extends JobLogSink {
  /** Order of calls, to check logs arrive before the terminal event. */
  readonly order: string[];
  text(stream: LogStream): string;
}

export function memorySink(order: string[] = []): TestSink {
  const chunks: Record<LogStream, Buffer[]> = { stdout: [], stderr: [] };
  return {
    order,
    write(stream, chunk) {
      order.push(`log:${stream}`);
      chunks[stream].push(Buffer.from(chunk));
    },
    text: (stream) => Buffer.concat(chunks[stream]).toString('utf8'),
  };
}

export function fileSink(dir: string, name: string, order: string[] = []): TestSink {
  const files = { stdout: join(dir, name, 'out.log'), stderr: join(dir, name, 'err.log') };
  const inner = memorySink(order);
  return {
    order,
    files,
    write: inner.write,
    text(stream) {
      let fromFile = '';
      try {
        fromFile = readFileSync(files[stream], 'utf8');
      } catch {
        // Not created: nothing was written there.
      }
      return fromFile + inner.text(stream);
    },
  };
}

export function makeJob(command: string, extra: Partial<StepJob> = {}): StepJob {
  return {
    jobId: newJobId(),
    runName: 'contract',
    runId: 'run-1',
    attempt: 1,
    step: 'step',
    command,
    shell: ['/bin/sh'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    captureOutput: false,
    ...extra,
  };
}

export function executorContract(name: string, factory: () => Promise<ContractHarness> | ContractHarness, options: ContractOptions = {}): void {
  const test = suite(`executor contract: ${name}${options.files ? ' (file sinks)' : ''}`);
  let h: ContractHarness;
  let dir: string;
  let n = 0;

  test.before.each(async () => {
    h = await factory();
    dir = mkdtempSync(join(tmpdir(), 'troupe-executor-contract-'));
  });
  test.after.each(async () => {
    await h.executor.close();
    await h.dispose?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const sink = (order: string[] = []) => (options.files ? fileSink(dir, `job-${++n}`, order) : memorySink(order));

  /** Resolves with all of a job's events once it ended, driving a simulated clock when needed. */
  async function events(handle: JobHandle): Promise<JobEvent[]> {
    const all = lastValueFrom(handle.events$.pipe(toArray()));
    if (!h.drive) return all;
    let done = false;
    void all.then(() => (done = true), () => (done = true));
    while (!done) await h.drive();
    return all;
  }

  async function run(command: string, extra: Partial<StepJob> = {}, s: TestSink = sink()): Promise<{ events: JobEvent[]; exit: JobExited; sink: TestSink; job: StepJob }> {
    const job = makeJob(command, extra);
    const all = await events(h.executor.submit(job, { log: s }));
    const last = all[all.length - 1];
    assert.ok(last && last.type === 'exited', `expected exited, got ${JSON.stringify(all)}`);
    return { events: all, exit: last as JobExited, sink: s, job };
  }

  test('runs a command: started (where it runs), its log, then exited 0', async () => {
    const order: string[] = [];
    const s = sink(order);
    const job = makeJob('echo hello');
    const handle = h.executor.submit(job, { log: s });
    assert.is(handle.jobId, job.jobId);
    handle.events$.subscribe((e) => order.push(e.type));
    const all = await events(handle);
    assert.equal(all.map((e) => e.type), ['started', 'exited']);
    const started = all[0]!;
    assert.ok(started.type === 'started');
    assert.is(started.jobId, job.jobId);
    assert.is(started.where.executor, h.executor.kind);
    assert.type(started.where.host, 'string');
    assert.ok(started.where.workerId.length > 0);
    const exit = all[1] as JobExited;
    assert.is(exit.exitCode, 0);
    assert.is(exit.signal, null);
    assert.ok(exit.at >= started.at);
    assert.is(s.text('stdout'), 'hello\n');
    assert.equal(exit.log, { bytes: 6, truncated: false, droppedBytes: 0 });
    // Every log chunk reached the sink before the terminal event.
    assert.ok(order.lastIndexOf('exited') === order.length - 1, order.join(','));
  });

  test('exit codes and stderr', async () => {
    const { exit, sink: s } = await run('echo oops >&2; exit 3');
    assert.is(exit.exitCode, 3);
    assert.is(exit.signal, null);
    assert.is(s.text('stderr'), 'oops\n');
    assert.is(s.text('stdout'), '');
  });

  test('the exit status of the last command; && stops at a failure', async () => {
    assert.is((await run('true; false')).exit.exitCode, 1);
    const { exit, sink: s } = await run('false && echo never');
    assert.is(exit.exitCode, 1);
    assert.is(s.text('stdout'), '');
  });

  test('a job ended by a signal reports the signal and no exit code', async () => {
    const { exit } = await run('kill -TERM $$');
    assert.is(exit.exitCode, null);
    assert.is(exit.signal, 'SIGTERM');
  });

  test('the environment is the job env plus TROUPE_JOB_ID', async () => {
    const { exit, sink: s, job } = await run('echo "$GREETING $TROUPE_JOB_ID"', { env: { PATH: process.env['PATH'] ?? '', GREETING: 'hi' } });
    assert.is(exit.exitCode, 0);
    assert.is(s.text('stdout'), `hi ${job.jobId}\n`);
  });

  test('captures output: stdout with trailing whitespace removed', async () => {
    const { exit, sink: s } = await run('echo one; echo two', { captureOutput: true });
    assert.is(exit.output, 'one\ntwo');
    assert.is(exit.outputError, undefined);
    assert.is(s.text('stdout'), 'one\ntwo\n');
    assert.is((await run('echo one')).exit.output, undefined);
  });

  test('output over limits.outputBytes is an outputError, not a huge value', async () => {
    const { exit, sink: s } = await run('yes | head -c 5000', { captureOutput: true, limits: { outputBytes: 1000 } });
    assert.is(exit.exitCode, 0);
    assert.is(exit.output, undefined);
    assert.match(exit.outputError ?? '', /max_output_size \(1000 bytes\)/);
    assert.is(s.text('stdout').length, 5000);
  });

  test('the log keeps limits.logBytes, then the marker once, and the exit says so', async () => {
    const { exit, sink: s } = await run('yes | head -c 100000; echo more >&2', { limits: { logBytes: 1000 } });
    assert.is(exit.exitCode, 0);
    assert.equal(exit.log, { bytes: 1000, truncated: true, droppedBytes: 100005 - 1000 });
    const out = s.text('stdout');
    assert.is(out, 'y\n'.repeat(500) + logTruncatedMarker(1000));
    assert.is(s.text('stderr'), '');
  });

  for (const when of ['once started', 'right after submit, before it started'] as const) {
    test(`cancel ${when}: the signal ends the job; the job reports it`, async () => {
      const handle = h.executor.submit(makeJob('sleep 30'), { log: sink() });
      if (when === 'once started') await started(handle);
      await h.executor.cancel(handle.jobId, { signal: 'SIGTERM' });
      const exit = (await events(handle)).at(-1) as JobExited;
      assert.is(exit.type, 'exited');
      assert.is(exit.exitCode, null);
      assert.is(exit.signal, 'SIGTERM');
    });
  }

  test('cancel: a job ignoring the signal is killed after graceMs, not before', async () => {
    const s = sink();
    const handle = h.executor.submit(makeJob("trap '' TERM; echo ready; sleep 30"), { log: s });
    // Only once the trap is set: a signal before it would end the shell at once.
    await until(() => s.text('stdout') === 'ready\n');
    const t0 = h.clock.now();
    await h.executor.cancel(handle.jobId, { signal: 'SIGTERM', graceMs: 300 });
    const exit = (await events(handle)).at(-1) as JobExited;
    assert.is(exit.signal, 'SIGKILL');
    assert.ok(exit.at - t0 >= 290, `killed after ${exit.at - t0} ms`);
  });

  test('cancel of an unknown or finished job is a no-op', async () => {
    await h.executor.cancel('no-such-job');
    const { job } = await run('true');
    await h.executor.cancel(job.jobId, { signal: 'SIGKILL' });
  });

  test('a missing working directory is an exited event with error, never a throw', async () => {
    const { events: all, exit } = await run('echo never', { cwd: join(dir, 'missing') });
    assert.equal(all.map((e) => e.type), ['exited']);
    assert.is(exit.exitCode, null);
    assert.match(exit.error ?? '', /working directory/);
  });

  test('a jobId submitted twice, or a submit after close, throws TypeError', async () => {
    const job = makeJob('true');
    await events(h.executor.submit(job, { log: sink() }));
    assert.throws(() => h.executor.submit(job, { log: sink() }), (e: unknown) => e instanceof TypeError);
    await h.executor.close();
    assert.throws(() => h.executor.submit(makeJob('true'), { log: sink() }), (e: unknown) => e instanceof TypeError);
  });

  test('events$ replays a finished job to a late subscriber', async () => {
    const handle = h.executor.submit(makeJob('exit 4'), { log: sink() });
    await events(handle);
    const again = await lastValueFrom(handle.events$.pipe(toArray()));
    assert.equal(again.map((e) => e.type), ['started', 'exited']);
    assert.is((again[1] as JobExited).exitCode, 4);
  });

  test('close ends running jobs as lost (executor closed)', async () => {
    const handle = h.executor.submit(makeJob('sleep 30'), { log: sink() });
    await started(handle);
    await h.executor.close();
    const last = (await events(handle)).at(-1)!;
    assert.is(last.type, 'lost');
    assert.ok(last.type === 'lost' && /executor closed/.test(last.reason));
  });

  test('reconcile: jobs nobody runs any more are absent', async () => {
    const fates = await h.executor.reconcile([{ jobId: newJobId(), runName: 'contract', runId: 'old', attempt: 1, step: 's' }]);
    assert.is(fates.length, 1);
    assert.is(fates[0]!.fate, 'absent');
  });

  test('many jobs at once each get their own log and exit', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => run(`echo job-${i}; exit ${i}`)),
    );
    results.forEach((r, i) => {
      assert.is(r.exit.exitCode, i);
      assert.is(r.sink.text('stdout'), `job-${i}\n`);
    });
  });

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; !condition(); i++) {
      if (i > 2000) throw new Error('condition not met in 10 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async function started(handle: JobHandle): Promise<void> {
    const first = await firstValueFrom(handle.events$);
    if (first.type !== 'started') throw new Error(`ended before start: ${JSON.stringify(first)}`);
  }

  test.run();
}
