import { existsSync } from 'node:fs';
import { ReplaySubject } from 'rxjs';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogBudget, createOutputCapture } from './log-budget.ts';
import type { LogBudget, OutputCapture } from './log-budget.ts';
import { parseShell } from './memory-shell.ts';
import type { ShellStatement } from './memory-shell.ts';
import type { CancelOptions, JobEvent, JobExited, JobFate, JobHandle, JobIO, JobRef, JobWhere, StepExecutor, StepJob } from './port.ts';
import { DEFAULT_GRACE_MS, DEFAULT_LOG_BYTES, DEFAULT_OUTPUT_BYTES, JOB_ID_ENV } from './port.ts';

/** A scripted outcome for one job, instead of interpreting its command. */
export interface MemoryJobScript {
  /** Could not run at all: `exited` with this `error`, no `started`. */
  error?: string;
  /** Ends with `lost` (this reason) after `durationMs`. */
  lost?: string;
  /** Time from `started` to the end, on the executor's clock. @defaultValue 0 */
  durationMs?: number;
  /** @defaultValue 0 */
  exitCode?: number;
  /** Ends by this signal instead of an exit code. */
  signal?: string;
  /** Written right after `started`. */
  stdout?: string;
  stderr?: string;
  /** Signals the job ignores on `cancel` (SIGKILL always ends it). */
  ignoreSignals?: string[];
}

export interface InMemoryExecutorOptions {
  /** Timing of `sleep`, scripted durations and the cancel grace. @defaultValue systemClock */
  clock?: Clock;
  /**
   * Decides a job's outcome; return `undefined` to interpret its command with the small shell
   * of `memory-shell.ts` (echo, printf, sleep, exit, kill -SIG $$, trap '' SIG, …).
   */
  script?: (job: StepJob) => MemoryJobScript | undefined;
  /** Jobs an "earlier process life" left running: `reconcile` reports them `killed`. */
  leftovers?: string[];
  /** Default cancel grace. @defaultValue DEFAULT_GRACE_MS */
  graceMs?: number;
  host?: string;
  workerId?: string;
}

export interface InMemoryExecutor extends StepExecutor {
  /** Every job submitted, in order, as the executor received it (env including `TROUPE_JOB_ID`). */
  readonly submitted: readonly StepJob[];
  /** Ids of the jobs that have not ended. */
  running(): string[];
  /** Ends a running job with `lost` (a worker that vanished, a launcher that died). */
  lose(jobId: string, reason: string): void;
}

interface Job {
  job: StepJob;
  events: ReplaySubject<JobEvent>;
  budget: LogBudget;
  capture?: OutputCapture;
  ended: boolean;
  ignored: Set<string>;
  timer?: unknown;
  graceTimer?: unknown;
  /** Resumes the interpreter after a sleep. */
  wake?: () => void;
}

/**
 * A step executor without processes: fast, deterministic engine tests. Commands are either
 * scripted (`script`) or interpreted by a tiny shell; time runs on the injected clock, so a
 * simulated clock makes `sleep 30` instant. It implements the whole port (events, log sink,
 * limits, cancel with grace, reconcile, close) and passes the same contract suite as the local
 * executor.
 */
export function createInMemoryExecutor(options: InMemoryExecutorOptions = {}): InMemoryExecutor {
  const clock = options.clock ?? systemClock;
  const defaultGrace = options.graceMs ?? DEFAULT_GRACE_MS;
  const where: JobWhere = { executor: 'memory', host: options.host ?? 'memory', workerId: options.workerId ?? 'memory-0' };
  const jobs = new Map<string, Job>();
  const submitted: StepJob[] = [];
  let leftovers = new Set(options.leftovers ?? []);
  let closed = false;

  function end(j: Job, event: JobEvent): void {
    if (j.ended) return;
    j.ended = true;
    if (j.timer !== undefined) clock.clearTimeout(j.timer);
    if (j.graceTimer !== undefined) clock.clearTimeout(j.graceTimer);
    j.wake = undefined;
    j.events.next(event);
    j.events.complete();
  }

  function exit(j: Job, exitCode: number | null, signal: string | null): void {
    const event: JobExited = { type: 'exited', jobId: j.job.jobId, at: clock.now(), exitCode, signal, log: j.budget.summary() };
    if (j.capture) Object.assign(event, j.capture.result());
    end(j, event);
  }

  function write(j: Job, stream: 'stdout' | 'stderr', chunk: Uint8Array): void {
    if (stream === 'stdout') j.capture?.add(chunk);
    j.budget.write(stream, chunk);
  }

  function sleep(j: Job, ms: number): Promise<void> {
    return new Promise((resolve) => {
      j.wake = resolve;
      j.timer = clock.setTimeout(() => {
        j.timer = undefined;
        j.wake = undefined;
        resolve();
      }, ms);
    });
  }

  async function interpret(j: Job, statements: ShellStatement[]): Promise<void> {
    let status = 0;
    for (const s of statements) {
      if (j.ended) return;
      if (s.onlyIfOk && status !== 0) continue;
      for (const op of s.ops) {
        if (j.ended) return;
        switch (op.op) {
          case 'status':
            status = op.status;
            break;
          case 'write':
            write(j, op.stream, Buffer.from(op.text));
            break;
          case 'bytes': {
            const block = Buffer.alloc(Math.min(op.count, 1 << 20), 'y\n');
            for (let left = op.count; left > 0 && !j.ended; left -= block.byteLength) write(j, op.stream, left >= block.byteLength ? block : block.subarray(0, left));
            break;
          }
          case 'sleep':
            await sleep(j, op.ms);
            break;
          case 'exit':
            return exit(j, op.status < 0 ? status : op.status, null);
          case 'kill':
            if (!j.ignored.has(op.signal) || op.signal === 'SIGKILL') return exit(j, null, op.signal);
            break;
          case 'ignore':
            for (const sig of op.signals) j.ignored.add(sig);
            break;
        }
      }
    }
    exit(j, status, null);
  }

  function run(j: Job): void {
    if (j.ended) return; // cancelled before it started
    const { job } = j;
    const scripted = options.script?.(job);
    if (scripted?.error !== undefined || (job.cwd !== undefined && !existsSync(job.cwd))) {
      const error = scripted?.error ?? `working directory does not exist: ${job.cwd}`;
      end(j, { type: 'exited', jobId: job.jobId, at: clock.now(), exitCode: null, signal: null, error, log: j.budget.summary() });
      return;
    }
    j.events.next({ type: 'started', jobId: job.jobId, at: clock.now(), where });
    if (scripted === undefined) {
      void interpret(j, parseShell(job.command, job.env));
      return;
    }
    for (const sig of scripted.ignoreSignals ?? []) j.ignored.add(sig);
    if (scripted.stdout !== undefined) write(j, 'stdout', Buffer.from(scripted.stdout));
    if (scripted.stderr !== undefined) write(j, 'stderr', Buffer.from(scripted.stderr));
    const finish = () => {
      if (scripted.lost !== undefined) end(j, { type: 'lost', jobId: job.jobId, at: clock.now(), reason: scripted.lost });
      else exit(j, scripted.signal !== undefined ? null : (scripted.exitCode ?? 0), scripted.signal ?? null);
    };
    if (!scripted.durationMs) finish();
    else j.timer = clock.setTimeout(finish, scripted.durationMs);
  }

  const executor: InMemoryExecutor = {
    kind: 'memory',
    submitted,
    submit(job: StepJob, io: JobIO): JobHandle {
      if (closed) throw new TypeError('executor is closed');
      if (typeof job.jobId !== 'string' || job.jobId === '') throw new TypeError('job.jobId must be a non-empty string');
      if (jobs.has(job.jobId)) throw new TypeError(`job ${job.jobId} was already submitted`);
      const withMarker: StepJob = { ...job, env: { ...job.env, [JOB_ID_ENV]: job.jobId } };
      submitted.push(withMarker);
      const j: Job = {
        job: withMarker,
        events: new ReplaySubject<JobEvent>(),
        budget: createLogBudget(job.limits?.logBytes ?? DEFAULT_LOG_BYTES, (stream, chunk) => io.log.write(stream, chunk)),
        ...(job.captureOutput ? { capture: createOutputCapture(job.limits?.outputBytes ?? DEFAULT_OUTPUT_BYTES) } : {}),
        ended: false,
        ignored: new Set(),
      };
      jobs.set(job.jobId, j);
      // Asynchronous, like a real executor: the caller subscribes before anything happens.
      queueMicrotask(() => run(j));
      return { jobId: job.jobId, events$: j.events.asObservable() };
    },
    async cancel(jobId: string, cancel: CancelOptions = {}) {
      const j = jobs.get(jobId);
      if (!j || j.ended) return;
      const signal = cancel.signal ?? 'SIGTERM';
      if (signal === 'SIGKILL' || !j.ignored.has(signal)) return exit(j, null, signal);
      if (j.graceTimer !== undefined) return;
      j.graceTimer = clock.setTimeout(() => exit(j, null, 'SIGKILL'), cancel.graceMs ?? defaultGrace);
    },
    async reconcile(refs: JobRef[]): Promise<JobFate[]> {
      const fates = refs.map((r): JobFate => (leftovers.has(r.jobId) ? { jobId: r.jobId, fate: 'killed', processes: 1 } : { jobId: r.jobId, fate: 'absent' }));
      leftovers = new Set();
      return fates;
    },
    async close() {
      closed = true;
      for (const j of jobs.values()) if (!j.ended) end(j, { type: 'lost', jobId: j.job.jobId, at: clock.now(), reason: 'executor closed' });
    },
    running: () => [...jobs.values()].filter((j) => !j.ended).map((j) => j.job.jobId),
    lose(jobId, reason) {
      const j = jobs.get(jobId);
      if (j && !j.ended) end(j, { type: 'lost', jobId, at: clock.now(), reason });
    },
  };
  return executor;
}
