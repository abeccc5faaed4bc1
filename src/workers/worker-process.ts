import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.ts';
import { errorFields } from '../core/logger.ts';
import type { JobEvent, JobExited, LogStream, StepExecutor, StepJob } from '../actors/executors/port.ts';
import { appendEntries } from './event-wire.ts';
import type { CancelMessage, WireEntry } from './event-wire.ts';
import { keys, WORKER_ID, workerQueueName } from './keys.ts';
import { connectRedis, redactRedisUrl } from './redis.ts';
import { deregister, heartbeat } from './worker-registry.ts';
import type { WorkerInfo } from './worker-registry.ts';

export interface WorkerOptions {
  redisUrl: string;
  /** @defaultValue 'troupe' */
  prefix?: string;
  /** Stable name of this worker. @defaultValue `<hostname>-<pid>` */
  id?: string;
  labels?: Record<string, string>;
  /** Steps run at once. @defaultValue 4 */
  concurrency?: number;
  /** Steps without a working directory run in `<workDir>/runs/<dag>/<runId>`, shared by the run's steps. */
  workDir: string;
  /** Runs the step processes: the local executor, the same process handling as the server's. */
  executor: StepExecutor;
  logger: Logger;
  /** @defaultValue 1000 */
  heartbeatMs?: number;
  /** The registration expires this long after the last heartbeat. @defaultValue 10_000 */
  ttlMs?: number;
  version?: string;
}

export interface TroupeWorker {
  readonly id: string;
  readonly info: () => WorkerInfo;
  /**
   * Graceful stop: takes no new jobs, lets running ones finish for `graceMs`, then stops them
   * and reports them lost (`worker <id> shut down`), so the server applies their retry policy;
   * jobs not yet taken go back to the server for placement elsewhere.
   */
  close(graceMs?: number): Promise<void>;
}

/** Log chunks are batched per job up to this size or this delay before they go to Redis. */
const LOG_BATCH_BYTES = 64 * 1024;
const LOG_BATCH_MS = 50;

/**
 * `troupe worker`: takes step jobs from its own BullMQ queue (`worker.<id>`), runs each with
 * the local executor, and writes the job's events and output to the events stream. Its
 * registration (labels, concurrency, running jobs) is refreshed every `heartbeatMs` and
 * expires after `ttlMs` without one: that is how the server tells a lost worker.
 */
export async function startWorker(options: WorkerOptions): Promise<TroupeWorker> {
  const prefix = options.prefix ?? 'troupe';
  const id = options.id ?? `${hostname()}-${process.pid}`;
  if (!WORKER_ID.test(id)) throw new Error(`worker id "${id}" must be 1-64 letters, digits, '.', '_' or '-'`);
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const ttlMs = options.ttlMs ?? 10_000;
  const log = options.logger.child({ component: 'worker', workerId: id });
  const k = keys(prefix);
  const host = hostname();
  const cmd = connectRedis(options.redisUrl, { name: `troupe-worker:${id}` });
  const sub = connectRedis(options.redisUrl, { name: `troupe-worker:${id}:cancel` });
  await cmd.connect();
  await sub.connect();

  const running = new Map<string, { job: StepJob; done: Promise<void>; handedBack: boolean }>();
  let draining = false;
  const startedAt = Date.now();
  const info = (): WorkerInfo => ({
    id,
    host,
    pid: process.pid,
    labels: options.labels ?? {},
    concurrency: options.concurrency ?? 4,
    running: [...running.keys()],
    draining,
    startedAt,
    lastHeartbeatAt: Date.now(),
    version: options.version ?? '',
  });

  // A fence means the server declared this worker lost (its registration had expired) and
  // failed its jobs: whatever still runs here must stop, its results no longer count.
  const checkFence = async () => {
    const fenced = await cmd.getdel(`${prefix}:fenced:${id}`);
    if (fenced === null) return;
    log.warn('the server declared this worker lost; stopping its running steps', { jobs: running.size });
    for (const jobId of running.keys()) await options.executor.cancel(jobId, { signal: 'SIGKILL', graceMs: 0 });
  };
  // Whatever an earlier life of this worker left running (it was SIGKILLed) ends now: the
  // server has reported those steps lost and may have run them elsewhere.
  const leftovers = await options.executor.reconcile([]);
  if (leftovers.length > 0) log.info('ended leftovers of an earlier worker life', { jobs: leftovers.length });
  await cmd.del(`${prefix}:fenced:${id}`);
  await heartbeat(cmd, prefix, info(), ttlMs, true);
  let beating = false;
  const beat = async () => {
    if (beating) return;
    beating = true;
    try {
      await heartbeat(cmd, prefix, info(), ttlMs);
      await checkFence();
    } catch (error) {
      log.warn('heartbeat failed', errorFields(error));
    } finally {
      beating = false;
    }
  };
  const timer = setInterval(() => void beat(), heartbeatMs);

  // Entries of one job go out in order: one chain per job.
  const chains = new Map<string, Promise<void>>();
  const send = (jobId: string, entries: WireEntry[]): Promise<void> => {
    const prev = chains.get(jobId) ?? Promise.resolve();
    const next = prev.then(async () => {
      // Redis may be restarting: keep trying (the offline queue holds commands meanwhile).
      for (let i = 0; ; i++) {
        try {
          await appendEntries(cmd, prefix, entries);
          return;
        } catch (error) {
          if (i % 20 === 0) log.warn('cannot write job events to Redis; retrying', { jobId, ...errorFields(error) });
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    });
    chains.set(jobId, next);
    return next;
  };

  const cancelledBefore = async (jobId: string): Promise<CancelMessage | undefined> => {
    const raw = await cmd.get(k.cancelled(jobId));
    return raw === null ? undefined : (JSON.parse(raw) as CancelMessage);
  };

  async function runJob(job: StepJob): Promise<JobEvent> {
    const early = await cancelledBefore(job.jobId);
    if (early) {
      const exited: JobExited = { type: 'exited', jobId: job.jobId, at: Date.now(), exitCode: null, signal: early.signal, error: 'cancelled before it started', log: { bytes: 0, truncated: false, droppedBytes: 0 } };
      await send(job.jobId, [{ kind: 'event', jobId: job.jobId, event: exited }]);
      return exited;
    }
    const { cwd, env } = placeCwd(job, options.workDir);
    // Log batching: chunks of one stream stay in order, and all are sent before the terminal event.
    let pending: WireEntry[] = [];
    let pendingBytes = 0;
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      void send(job.jobId, batch);
    };
    const write = (stream: LogStream, chunk: Uint8Array) => {
      const buf = Buffer.from(chunk);
      const last = pending[pending.length - 1];
      if (last && last.kind === 'log' && last.stream === stream) last.chunk = Buffer.concat([last.chunk, buf]);
      else pending.push({ kind: 'log', jobId: job.jobId, stream, chunk: buf });
      pendingBytes += buf.length;
      if (pendingBytes >= LOG_BATCH_BYTES) flush();
      else flushTimer ??= setTimeout(flush, LOG_BATCH_MS);
    };
    const entry = { job, done: Promise.resolve(), handedBack: false };
    const terminal = await new Promise<JobEvent>((resolve) => {
      let handle;
      try {
        handle = options.executor.submit({ ...job, cwd, env }, { log: { write } });
      } catch (error) {
        const exited: JobExited = { type: 'exited', jobId: job.jobId, at: Date.now(), exitCode: null, signal: null, error: (error as Error).message, log: { bytes: 0, truncated: false, droppedBytes: 0 } };
        void send(job.jobId, [{ kind: 'event', jobId: job.jobId, event: exited }]);
        resolve(exited);
        return;
      }
      running.set(job.jobId, entry);
      // A cancel that raced the submit.
      void cancelledBefore(job.jobId).then((c) => c && options.executor.cancel(job.jobId, { signal: c.signal, ...(c.graceMs !== undefined ? { graceMs: c.graceMs } : {}) }));
      handle.events$.subscribe({
        next: (event) => {
          if (event.type === 'started') {
            void send(job.jobId, [{ kind: 'event', jobId: job.jobId, event: { ...event, where: { executor: 'bullmq', host, workerId: id } } }]);
            return;
          }
          flush();
          const out: JobEvent = entry.handedBack ? { type: 'lost', jobId: job.jobId, at: event.at, reason: `worker ${id} shut down before the step finished` } : event;
          void send(job.jobId, [{ kind: 'event', jobId: job.jobId, event: out }]);
          resolve(out);
        },
        error: (error: Error) => {
          flush();
          const lost: JobEvent = { type: 'lost', jobId: job.jobId, at: Date.now(), reason: `worker ${id}: ${error.message}` };
          void send(job.jobId, [{ kind: 'event', jobId: job.jobId, event: lost }]);
          resolve(lost);
        },
      });
    });
    await chains.get(job.jobId);
    chains.delete(job.jobId);
    running.delete(job.jobId);
    return terminal;
  }

  const bullConnection = connectRedis(options.redisUrl, { name: `troupe-worker:${id}:bullmq` });
  const bull = new Worker(
    workerQueueName(id),
    async (job: Job<StepJob>) => runJob(job.data),
    {
      connection: bullConnection,
      prefix,
      concurrency: options.concurrency ?? 4,
      // A job this worker took and did not finish (it died) is never run again: the server
      // reports it lost and the step's retry policy decides.
      maxStalledCount: 0,
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600, count: 10_000 },
      autorun: false,
    },
  );
  bull.on('error', (error) => log.warn('queue error', errorFields(error)));
  void bull.run().catch((error) => log.error('worker loop ended', errorFields(error)));

  await sub.subscribe(k.cancel);
  sub.on('message', (_channel: string, text: string) => {
    let msg: CancelMessage;
    try {
      msg = JSON.parse(text) as CancelMessage;
    } catch {
      return;
    }
    if (msg.workerId !== id || !running.has(msg.jobId)) return;
    void options.executor.cancel(msg.jobId, { signal: msg.signal, ...(msg.graceMs !== undefined ? { graceMs: msg.graceMs } : {}) });
  });
  log.info('worker started', { redis: redactRedisUrl(options.redisUrl), labels: options.labels ?? {}, concurrency: options.concurrency ?? 4 });

  let closing: Promise<void> | undefined;
  return {
    id,
    info,
    close(graceMs = 30_000) {
      closing ??= (async () => {
        draining = true;
        await beat();
        const closed = bull.close();
        const grace = new Promise<void>((r) => setTimeout(r, graceMs).unref());
        await Promise.race([closed, grace]);
        if (running.size > 0) {
          log.warn('grace period over; stopping the steps still running and handing them back', { jobs: running.size });
          for (const [jobId, entry] of running) {
            entry.handedBack = true;
            await options.executor.cancel(jobId, { signal: 'SIGTERM', graceMs: 2000 });
          }
          await closed;
        }
        clearInterval(timer);
        await Promise.all([...chains.values()]);
        // Best effort while leaving: if Redis is unreachable the server still notices the worker
        // gone when its heartbeat expires, but the operator should know why it lingers.
        await appendEntries(cmd, prefix, [{ kind: 'worker-left', workerId: id }]).catch((error: unknown) => log.warn('could not announce that the worker leaves', { error }));
        await deregister(cmd, prefix, id).catch((error: unknown) => log.warn('could not deregister the worker; it is dropped when its heartbeat expires', { error }));
        await options.executor.close();
        sub.disconnect();
        cmd.disconnect();
        bullConnection.disconnect();
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}

export type { Redis };

/**
 * Where a job runs on this worker. Without a `cwd`: `<workDir>/runs/<dag>/<runId>`, shared by
 * the run's steps. A `cwd` inside the server's per-run default directory
 * (`placement.runWorkDir`) that does not exist on this host (another machine, no shared
 * filesystem): the same place under this worker's per-run directory, with `PWD` to match.
 * Any other `cwd` as given: the server created it (Dagu's rule for `working_dir`), and a
 * missing one is the step's error, as with the local executor.
 */
export function placeCwd(job: StepJob, workDir: string): { cwd: string; env: Record<string, string> } {
  const own = join(workDir, 'runs', job.runName, job.runId);
  const base = job.placement?.runWorkDir;
  if (job.cwd === undefined) {
    mkdirSync(own, { recursive: true });
    return { cwd: own, env: job.env };
  }
  if (base !== undefined && (job.cwd === base || job.cwd.startsWith(base + sep)) && !existsSync(base)) {
    const cwd = join(own, relative(base, job.cwd));
    mkdirSync(cwd, { recursive: true });
    return { cwd, env: { ...job.env, PWD: cwd } };
  }
  return { cwd: job.cwd, env: job.env };
}
