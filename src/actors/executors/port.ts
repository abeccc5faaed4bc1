import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';

/**
 * The step-executor port, owned by its consumer: the runtime. It is shaped like a job queue,
 * not like a local process, so that the same runtime can run steps as local processes
 * (`local-process.ts`), in memory for engine tests (`in-memory.ts`), or on workers on other
 * machines through BullMQ, without the machines, the records or the runtime knowing which.
 *
 * Everything in a job and in its events is plain, serializable data (JSON-safe), so that a
 * remote executor can put a job on a queue and ship its events back. Pids, process groups and
 * file descriptors never leave an executor: the runtime knows a job by its `jobId` and learns
 * where it ran from `started.where`.
 *
 * How the runtime uses it (one step attempt):
 * 1. Choose a fresh `jobId` (`newJobId()`), and persist it with the step (the record or the
 *    run snapshot) BEFORE calling `submit`. After a crash, `reconcile` finds the job by that
 *    id; there is no window in which user code runs under an id nobody recorded.
 * 2. `const { events$ } = executor.submit(job, { log })`. Subscribe to `events$` (it replays
 *    the job's events to a late subscriber, and completes after the terminal event). Expect
 *    `started` (zero or one), then exactly one terminal event: `exited` or `lost`.
 * 3. To stop the step (stop, timeout): `cancel(jobId, { signal, graceMs })`. The job still
 *    ends with its own `exited` (with the signal) or `lost` event; wait for it.
 * 4. At boot, before any new submit: `reconcile(jobsOfActiveRuns)`. Each listed job gets a
 *    fate; the executor also ends every leftover of its own scope (processes of jobs nobody
 *    listed, such as a background child of a step that had already exited).
 * 5. On shutdown: `close()`.
 *
 * Output. Step output reaches the runtime through the port in two ways:
 * - The job's log (stdout and stderr) goes to the `JobLogSink` given to `submit`, chunk by
 *   chunk, in order per stream, and always before the job's terminal event. A remote executor
 *   ships chunks back and calls `write`. A sink may also offer local `files`: an executor on
 *   the same host (the local one) may then write those files directly (faster, and what was
 *   written survives a crash of the runtime) and not call `write` at all.
 * - The captured `output:` value (stdout, when `job.captureOutput`) comes in the `exited`
 *   event, bounded by `limits.outputBytes`.
 * The log is bounded too: past `limits.logBytes` (both streams together) the executor drops
 * further output, appends `LOG_TRUNCATED_MARKER` once, and says so in `exited.log`.
 */
export interface StepExecutor {
  /** What `started.where.executor` says, e.g. `local`, `memory`, `bullmq`. */
  readonly kind: string;
  /**
   * Starts a job. Never throws for a job that cannot run (missing working directory, unknown
   * shell): that is an `exited` event with `error`. Throws `TypeError` for a malformed job,
   * a `jobId` already submitted to this executor, or after `close()`.
   */
  submit(job: StepJob, io: JobIO): JobHandle;
  /**
   * Stops a job: sends `signal` (default `SIGTERM`) to everything the job started, and after
   * `graceMs` (default: the executor's) SIGKILL to whatever is left. Resolves once the signal
   * is sent; the job's terminal event reports the outcome. A no-op for an unknown or finished
   * job.
   */
  cancel(jobId: string, options?: CancelOptions): Promise<void>;
  /**
   * Recovery after a restart: tells the fate of each job an earlier process life submitted
   * and did not see end, ending what is left of it, and ends every other leftover of this
   * executor's scope. Call it before submitting new jobs.
   */
  reconcile(jobs: JobRef[]): Promise<JobFate[]>;
  /**
   * Stops accepting jobs and releases the executor. The local executor kills the jobs still
   * running (a process must not outlive its executor) and reports them `lost` with reason
   * `executor closed`; a remote executor may leave them running, for `reconcile` to find.
   */
  close(): Promise<void>;
  /**
   * Optional, for executors that place jobs (BullMQ): why a submitted job has not started yet
   * (e.g. `waiting for a worker with labels gpu=true: no live worker matches`), or `undefined`
   * when it is not waiting. The runtime shows it in the run's details; it is never persisted.
   */
  waitingReason?(jobId: string): string | undefined;
}

/** The ids that name one job. All of them are carried on every event the runtime derives. */
export interface JobRef {
  /** Unique per attempt of a step (a retry of the step is a new job). See `newJobId`. */
  jobId: string;
  /** The DAG's name. */
  runName: string;
  /** The DAG run id. */
  runId: string;
  /** The run attempt (a run retry is a new attempt). */
  attempt: number;
  /** The step's name, or `precondition-<i>` / `<step>.precondition-<i>` for preconditions. */
  step: string;
}

/** One command to run: plain data, the same for every executor. */
export interface StepJob extends JobRef {
  /** One command line or a multi-line script, run by the shell. */
  command: string;
  /** Shell and its arguments, e.g. `['/bin/sh']` or `['bash', '-e']`; `-c <command>` is appended. */
  shell: string[];
  /**
   * The complete environment of the command (the executor adds only `TROUPE_JOB_ID`, and the
   * local executor `TROUPE_JOB_SCOPE`). Never logged by an executor.
   */
  env: Record<string, string>;
  /** Working directory; a missing one is an `exited` event with `error`. */
  cwd?: string;
  /** Capture stdout for `output:`; it arrives in `exited.output`. */
  captureOutput: boolean;
  limits?: JobLimits;
  placement?: JobPlacement;
  /** The correlation id of the call that caused the run, for the executor's own logs and queue. */
  correlationId?: string;
}

export interface JobLimits {
  /** Log bytes kept (stdout and stderr together) before truncation. @defaultValue DEFAULT_LOG_BYTES */
  logBytes?: number;
  /** Largest captured `output:` (Dagu's `max_output_size`). @defaultValue DEFAULT_OUTPUT_BYTES */
  outputBytes?: number;
}

/** Hints for executors that choose a worker. The local and in-memory executors ignore them. */
export interface JobPlacement {
  /** Labels a worker must carry (Dagu's `workerSelector`). */
  workerSelector?: Record<string, string>;
  /** Jobs with the same key prefer the same worker (e.g. the run id, to share a working directory). */
  affinity?: string;
  /**
   * The run's default working directory as the runtime made it (under its data directory). A
   * worker on a host where it does not exist runs a job whose `cwd` lies in it in the same
   * place under its own per-run directory instead.
   */
  runWorkDir?: string;
}

/** Runtime-side objects that go with a job and are never serialized. */
export interface JobIO {
  log: JobLogSink;
}

export type LogStream = 'stdout' | 'stderr';

/** Where a job's log goes. */
export interface JobLogSink {
  /** Appends a chunk of one stream. Called in order per stream, always before the terminal event. */
  write(stream: LogStream, chunk: Uint8Array): void;
  /**
   * Local files the executor may append to directly instead of calling `write`: only an
   * executor on this host uses them. Both are created (with their directory) when missing.
   */
  readonly files?: { readonly stdout: string; readonly stderr: string };
}

export interface CancelOptions {
  /** @defaultValue 'SIGTERM' */
  signal?: string;
  /** Time between `signal` and SIGKILL. @defaultValue the executor's grace (2000 ms locally) */
  graceMs?: number;
}

export interface JobHandle {
  jobId: string;
  /** The job's events: `started`?, then `exited` or `lost`; replayed to late subscribers; completes after the last. */
  events$: Observable<JobEvent>;
}

/** Where a job runs. */
export interface JobWhere {
  /** The executor kind (`local`, `memory`, `bullmq`). */
  executor: string;
  /** Host name of the machine that runs the job. */
  host: string;
  /** Which worker (or local executor instance) runs it; stable for the worker's life. */
  workerId: string;
}

export type JobEvent = JobStarted | JobExited | JobLost;

export interface JobStarted {
  type: 'started';
  jobId: string;
  /** Epoch ms, from the executor's clock. */
  at: number;
  where: JobWhere;
}

/** The job's log, as the executor kept it. */
export interface JobLogSummary {
  /** Bytes kept, both streams, the marker excluded. */
  bytes: number;
  /** True when output past `limits.logBytes` was dropped and the marker appended. */
  truncated: boolean;
  /** Bytes dropped after the limit. */
  droppedBytes: number;
}

export interface JobExited {
  type: 'exited';
  jobId: string;
  at: number;
  /** The exit code; `null` when the process ended by a signal or never ran. */
  exitCode: number | null;
  /** The signal that ended the process (`SIGTERM`, `SIGKILL`, …), else `null`. */
  signal: string | null;
  /** Set when the command could not run at all (no such cwd, shell not found); then `exitCode` is null. */
  error?: string;
  /** Captured stdout with trailing whitespace removed, when `captureOutput` and within the limit. */
  output?: string;
  /** Set instead of `output` when capture failed, e.g. stdout larger than `limits.outputBytes`. */
  outputError?: string;
  log: JobLogSummary;
  /**
   * Processes of the job still running when it ended (background children, `setsid`
   * escapes) that the executor then killed. Absent or 0 when there were none.
   */
  killedLeftovers?: number;
}

export interface JobLost {
  type: 'lost';
  jobId: string;
  at: number;
  /** Why the executor cannot tell how the job ended (`launcher died`, `executor closed`, `worker gone`). */
  reason: string;
}

/**
 * What `reconcile` found about a job of an earlier process life:
 * - `absent`: nothing of it runs any more, and how it ended is unknown (treat as lost).
 * - `killed`: processes of it were still running and have been killed (treat as lost);
 *   `processes` says how many.
 * - `exited`: the executor knows how it ended (a remote worker finished it meanwhile).
 * - `running`: it still runs (on a remote worker) and `handle` re-attaches to its events.
 * The local executor only answers `absent` or `killed`.
 */
export type JobFate =
  | { jobId: string; fate: 'absent' }
  | { jobId: string; fate: 'killed'; processes: number }
  | { jobId: string; fate: 'exited'; exit: JobExited }
  | { jobId: string; fate: 'running'; handle: JobHandle };

/** Default per-job log limit: 64 MiB. */
export const DEFAULT_LOG_BYTES = 64 * 1024 * 1024;
/** Default `output:` capture limit: 1 MiB, as Dagu's `max_output_size`. */
export const DEFAULT_OUTPUT_BYTES = 1024 * 1024;
/** Default time between a cancel signal and SIGKILL. */
export const DEFAULT_GRACE_MS = 2000;

/** The environment variable every process of a job carries. */
export const JOB_ID_ENV = 'TROUPE_JOB_ID';

/** The line appended once to a log truncated at its limit. */
export function logTruncatedMarker(limit: number): string {
  return `\n[troupe] log truncated: this step's output passed the ${limit}-byte limit; later output is dropped\n`;
}

/** The `outputError` of an `output:` capture over its limit. */
export function outputTooLargeError(limit: number): string {
  return `output exceeds max_output_size (${limit} bytes); not captured`;
}

/** A fresh job id (a UUID): unique per step attempt, safe in an environment variable and a file name. */
export function newJobId(): string {
  return randomUUID();
}
