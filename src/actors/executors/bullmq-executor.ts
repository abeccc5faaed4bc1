import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ReplaySubject } from 'rxjs';
import type { Logger } from '../../core/index.ts';
import { systemClock } from '../../core/clock.ts';
import type { Clock } from '../../core/clock.ts';
import { errorFields } from '../../core/logger.ts';
import { decodeEntry } from '../../workers/event-wire.ts';
import type { CancelMessage, WireEntry } from '../../workers/event-wire.ts';
import { keys, workerQueueName } from '../../workers/keys.ts';
import { connectRedis, pingRedis, redactRedisUrl } from '../../workers/redis.ts';
import { listWorkers, matchesSelector } from '../../workers/worker-registry.ts';
import type { WorkerInfo } from '../../workers/worker-registry.ts';
import type { CancelOptions, JobEvent, JobExited, JobFate, JobHandle, JobIO, JobRef, StepExecutor, StepJob } from './port.ts';

export interface BullmqExecutorOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`; never logged as given. */
  redisUrl: string;
  /** @defaultValue 'troupe' */
  prefix?: string;
  /** A worker silent this long is lost, and so are its running steps. @defaultValue 30_000 */
  lostAfterMs?: number;
  /** Registry poll period. @defaultValue min(1000, lostAfterMs / 3) */
  pollMs?: number;
  logger: Logger;
  clock?: Clock;
}

/** A job waiting for a worker its selector matches. */
export interface WaitingJob {
  jobId: string;
  runName: string;
  runId: string;
  step: string;
  reason: string;
  since: number;
}

/** A live worker as `GET /api/v1/workers` shows it. */
export interface WorkerView extends Omit<WorkerInfo, 'lastHeartbeatAt' | 'startedAt'> {
  lastHeartbeatAt: string;
  startedAt: string;
}

export interface BullmqExecutor extends StepExecutor {
  /** Live workers, by id. */
  workers(): Promise<WorkerView[]>;
  /** Jobs no live worker can take yet, with the reason. */
  waiting(): WaitingJob[];
}

type JobState = 'placing' | 'waiting-worker' | 'queued' | 'started';

interface Tracked {
  job: StepJob | undefined;
  ref: JobRef;
  io: JobIO | undefined;
  subject: ReplaySubject<JobEvent>;
  state: JobState;
  workerId?: string;
  reason?: string;
  since: number;
  cancel?: { signal: string; graceMs?: number; sentAt: number };
}

const CANCELLED_TTL_SEC = 24 * 3600;
const AFFINITY_TTL_SEC = 7 * 24 * 3600;
const CONSUMER_GROUP = 'troupe-server';

function selectorText(selector: Record<string, string> | undefined): string {
  if (!selector || Object.keys(selector).length === 0) return '';
  return Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(', ');
}

/**
 * The step executor for workers on other machines. `submit` places a job on one worker's
 * BullMQ queue (`worker.<id>`), chosen by the DAG's `worker_selector` and the job's affinity
 * key (the run: every step of a run goes to the worker that took its first step, while that
 * worker lives). Workers write the job's port events and its output to a Redis stream that
 * this executor reads with a consumer group, so events written while the server was down are
 * read after it comes back. A worker whose heartbeat stops for `lostAfterMs` is lost: its
 * started jobs end `lost`, jobs it had not taken are placed again elsewhere.
 */
export async function createBullmqExecutor(options: BullmqExecutorOptions): Promise<BullmqExecutor> {
  const prefix = options.prefix ?? 'troupe';
  const clock = options.clock ?? systemClock;
  const lostAfterMs = options.lostAfterMs ?? 30_000;
  const pollMs = options.pollMs ?? Math.max(100, Math.min(1000, Math.floor(lostAfterMs / 3)));
  const log = options.logger.child({ component: 'bullmq-executor', redis: redactRedisUrl(options.redisUrl), prefix });
  // Best-effort Redis bookkeeping (placement, affinity, fencing keys): a failure does not change
  // the step's outcome, which is decided by the job's own events, so it is logged and the flow goes on.
  const warnOn = (what: string, fields: Record<string, unknown> = {}) => (error: unknown) => log.warn(what, { ...fields, ...errorFields(error) });
  const k = keys(prefix);
  // Fail fast at boot: a server whose executor cannot reach Redis must not start.
  await pingRedis(options.redisUrl);
  const cmd = connectRedis(options.redisUrl, { name: 'troupe-server' });
  const reader = connectRedis(options.redisUrl, { name: 'troupe-server:events' });
  await cmd.connect();
  await reader.connect();
  const consumer = `server-${process.pid}`;

  const jobs = new Map<string, Tracked>();
  /** Ids submitted before (bounded): an id names one job, forever. */
  const submitted = new Set<string>();
  /** Affinity key → worker, for the runs placed by this server life (mirrored in Redis). */
  const affinity = new Map<string, string>();
  /** Runs (affinity keys) given to each worker, to spread ties. */
  const placedRuns = new Map<string, number>();
  const queues = new Map<string, Queue>();
  let live: WorkerInfo[] = [];
  /** Per worker: the heartbeat score last seen and the server time it changed. */
  const seen = new Map<string, { score: number; at: number }>();
  let closed = false;
  let started = false;
  let redisDown: string | undefined;

  const queueOf = (workerId: string): Queue => {
    let q = queues.get(workerId);
    if (!q) {
      q = new Queue(workerQueueName(workerId), { connection: cmd, prefix });
      q.on('error', (error) => log.warn('queue error', { workerId, ...errorFields(error) }));
      queues.set(workerId, q);
    }
    return q;
  };

  const emit = (t: Tracked, event: JobEvent) => {
    if (event.type === 'started') {
      t.state = 'started';
      t.workerId = event.where.workerId;
      t.subject.next(event);
      return;
    }
    jobs.delete(t.ref.jobId);
    t.subject.next(event);
    t.subject.complete();
    // At close the placement stays: the next server life's reconcile needs it.
    if (!closed) void cmd.hdel(k.placements, t.ref.jobId).catch(warnOn('cannot forget the placement of an ended step', { jobId: t.ref.jobId }));
  };
  const end = (t: Tracked, event: JobExited | { type: 'lost'; reason: string }) => {
    if (!jobs.has(t.ref.jobId)) return;
    const at = clock.now();
    if (event.type === 'lost') {
      if (!closed) log.warn('step lost', { jobId: t.ref.jobId, run: t.ref.runName, runId: t.ref.runId, step: t.ref.step, reason: event.reason });
      emit(t, { type: 'lost', jobId: t.ref.jobId, at, reason: event.reason });
    } else emit(t, event);
  };
  const cancelledExit = (t: Tracked, signal: string): JobExited => ({
    type: 'exited',
    jobId: t.ref.jobId,
    at: clock.now(),
    exitCode: null,
    signal,
    error: 'cancelled before it started',
    log: { bytes: 0, truncated: false, droppedBytes: 0 },
  });

  // ---- placement ------------------------------------------------------------------------------
  const affinityKey = (t: Tracked) => `${prefix}:affinity:${t.job?.placement?.affinity ?? `${t.ref.runName}/${t.ref.runId}`}`;
  const isAlive = (w: WorkerInfo) => !w.draining && seen.has(w.id) && clock.now() - seen.get(w.id)!.at < lostAfterMs;
  const loadOf = (workerId: string) => {
    let n = 0;
    for (const t of jobs.values()) if (t.workerId === workerId) n++;
    return n;
  };

  async function place(t: Tracked): Promise<void> {
    const job = t.job!;
    const selector = job.placement?.workerSelector;
    const eligible = live.filter((w) => isAlive(w) && matchesSelector(w.labels, selector));
    if (eligible.length === 0) {
      const sel = selectorText(selector);
      const reason = sel ? `waiting for a worker with labels ${sel}: no live worker matches` : 'waiting for a worker: none is connected';
      if (t.state !== 'waiting-worker' || t.reason !== reason) log.info('step waits for a worker', { jobId: job.jobId, run: job.runName, runId: job.runId, step: job.step, reason });
      t.state = 'waiting-worker';
      t.reason = reason;
      return;
    }
    const aKey = affinityKey(t);
    // The run's worker: known here, else from Redis (an earlier life of this server).
    let preferred = affinity.get(aKey);
    if (preferred === undefined) {
      const stored = await cmd.get(aKey);
      // Another step of the run may have been placed while we asked.
      preferred = affinity.get(aKey) ?? stored ?? undefined;
    }
    let chosen = eligible.find((w) => w.id === preferred);
    if (!chosen) {
      // Least loaded relative to its concurrency; ties go to the worker given fewest runs.
      chosen = [...eligible].sort((a, b) => loadOf(a.id) / a.concurrency - loadOf(b.id) / b.concurrency || (placedRuns.get(a.id) ?? 0) - (placedRuns.get(b.id) ?? 0))[0]!;
      placedRuns.set(chosen.id, (placedRuns.get(chosen.id) ?? 0) + 1);
    }
    affinity.delete(aKey);
    affinity.set(aKey, chosen.id);
    if (affinity.size > 10_000) affinity.delete(affinity.keys().next().value!);
    t.workerId = chosen.id;
    t.state = 'queued';
    t.reason = undefined;
    await cmd.multi().hset(k.placements, job.jobId, chosen.id).set(aKey, chosen.id, 'EX', AFFINITY_TTL_SEC).exec();
    await queueOf(chosen.id).add('step', job, {
      jobId: job.jobId,
      attempts: 1,
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600, count: 10_000 },
    });
  }

  async function placeSafely(t: Tracked): Promise<void> {
    if (!jobs.has(t.ref.jobId) || closed) return;
    try {
      await place(t);
    } catch (error) {
      // Redis unreachable: the job waits and is placed on the next poll.
      t.state = 'waiting-worker';
      t.workerId = undefined;
      t.reason = `waiting: Redis unreachable (${(error as Error).message})`;
      log.warn('cannot place step; will retry', { jobId: t.ref.jobId, ...errorFields(error) });
    }
  }

  // ---- worker loss --------------------------------------------------------------------------
  // One loss at a time per worker: its 'worker-left' entry and a registry poll that sees it
  // gone can both declare it lost; run concurrently, the second would fail the job the first
  // was moving to another worker.
  const losing = new Map<string, Promise<void>>();
  function workerLost(workerId: string, reason: string): Promise<void> {
    const current = losing.get(workerId);
    if (current) return current;
    const p = loseWorker(workerId, reason).finally(() => losing.delete(workerId));
    losing.set(workerId, p);
    return p;
  }

  async function loseWorker(workerId: string, reason: string): Promise<void> {
    for (const [key, id] of affinity) if (id === workerId) affinity.delete(key);
    const mine = [...jobs.values()].filter((t) => t.workerId === workerId && (t.state === 'queued' || t.state === 'started'));
    await cmd.set(`${prefix}:fenced:${workerId}`, '1', 'EX', CANCELLED_TTL_SEC).catch(warnOn('cannot fence a lost worker', { workerId }));
    if (mine.length > 0) log.warn('worker lost', { workerId, reason, jobs: mine.length });
    for (const t of mine) {
      // Ended or moved meanwhile (its exit arrived, a cancel took it out of the queue).
      if (!jobs.has(t.ref.jobId) || t.workerId !== workerId) continue;
      if (t.state === 'queued' && t.job) {
        // Not started: if it still waits in the worker's queue, nothing of it ran; place it again.
        const bj = await queueOf(workerId).getJob(t.ref.jobId).catch(() => undefined);
        const state = bj ? await bj.getState().catch(() => 'unknown') : 'missing';
        if (bj && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
          const removed = await bj.remove().then(() => true, () => false);
          if (removed) {
            await cmd.del(affinityKey(t)).catch(warnOn('cannot clear a run\'s worker affinity', { jobId: t.ref.jobId }));
            t.workerId = undefined;
            t.state = 'placing';
            await placeSafely(t);
            continue;
          }
        }
      }
      await cmd.del(affinityKey(t)).catch(warnOn('cannot clear a run\'s worker affinity', { jobId: t.ref.jobId }));
      end(t, { type: 'lost', reason: `worker lost: ${reason}` });
    }
  }

  // ---- the registry poll ----------------------------------------------------------------------
  // Outages: commands queue while Redis is away, so a poll may "succeed" long after it began
  // with heartbeats nobody could send meanwhile. Count connection losses; a poll that spans one
  // judges no worker, and every worker gets a full bound from the moment Redis is back.
  let outages = 0;
  cmd.on('close', () => {
    outages++;
    if (redisDown === undefined && !closed) log.warn('Redis connection lost; steps on workers keep running, results arrive when it is back');
    redisDown ??= 'connection closed';
  });
  cmd.on('ready', () => {
    if (redisDown === undefined) return;
    log.info('Redis reachable again');
    redisDown = undefined;
    const now = clock.now();
    for (const s of seen.values()) s.at = now;
  });

  async function poll(): Promise<void> {
    const outagesBefore = outages;
    let scores: string[];
    try {
      live = await listWorkers(cmd, prefix);
      scores = await cmd.zrange(k.workers, 0, -1, 'WITHSCORES');
    } catch (error) {
      if (redisDown === undefined) log.warn('Redis unreachable; steps on workers keep running, results arrive when it is back', errorFields(error));
      redisDown = (error as Error).message;
      return;
    }
    const now = clock.now();
    if (outages !== outagesBefore || redisDown !== undefined) {
      for (const s of seen.values()) s.at = now;
      if (cmd.status === 'ready') redisDown = undefined;
      return;
    }
    for (let i = 0; i + 1 < scores.length; i += 2) {
      const id = scores[i]!;
      const score = Number(scores[i + 1]);
      const prev = seen.get(id);
      if (!prev || prev.score !== score) seen.set(id, { score, at: now });
    }
    for (const w of live) if (!seen.has(w.id)) seen.set(w.id, { score: w.lastHeartbeatAt, at: now });
    // Lost: silent for the bound (or its registration expired and the bound passed).
    const liveIds = new Set(live.map((w) => w.id));
    const busy = new Set([...jobs.values()].filter((t) => t.workerId && (t.state === 'queued' || t.state === 'started')).map((t) => t.workerId!));
    for (const id of busy) {
      const s = seen.get(id);
      const silentFor = s ? now - s.at : Infinity;
      if (silentFor >= lostAfterMs || (!liveIds.has(id) && !s)) await workerLost(id, `worker ${id} sent no heartbeat for ${Math.round(lostAfterMs / 1000)} s`);
    }
    for (const t of [...jobs.values()]) {
      if (t.state === 'waiting-worker') await placeSafely(t);
      else if (t.cancel && t.workerId && now - t.cancel.sentAt > 2000) await sendCancel(t);
    }
  }
  let polling: Promise<void> | undefined;
  const pollTimer = setInterval(() => {
    if (polling || closed) return;
    polling = poll().finally(() => (polling = undefined));
  }, pollMs);

  // ---- the events stream --------------------------------------------------------------------
  function handle(entry: WireEntry): void {
    if (entry.kind === 'worker-left') {
      seen.delete(entry.workerId);
      live = live.filter((w) => w.id !== entry.workerId);
      void workerLost(entry.workerId, `worker ${entry.workerId} shut down`);
      return;
    }
    const t = jobs.get(entry.jobId);
    if (!t) return;
    if (entry.kind === 'log') {
      try {
        t.io?.log.write(entry.stream, entry.chunk);
      } catch (error) {
        log.warn('log sink failed', { jobId: entry.jobId, ...errorFields(error) });
      }
      return;
    }
    emit(t, entry.event);
  }

  async function readLoop(): Promise<void> {
    const ensureGroup = async () => {
      try {
        await reader.xgroup('CREATE', k.events, CONSUMER_GROUP, '0', 'MKSTREAM');
      } catch (error) {
        if (!/BUSYGROUP/.test((error as Error).message)) throw error;
      }
    };
    await ensureGroup();
    // First what an earlier life of this server read and did not acknowledge, then new entries.
    let cursor = '0';
    while (!closed) {
      try {
        const res = (await reader.callBuffer('XREADGROUP', 'GROUP', CONSUMER_GROUP, consumer, 'COUNT', 1000, 'BLOCK', 1000, 'STREAMS', k.events, cursor)) as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
        const entries = res?.[0]?.[1] ?? [];
        if (cursor === '0' && entries.length === 0) cursor = '>';
        if (entries.length === 0) continue;
        const ids: string[] = [];
        for (const [id, fields] of entries) {
          ids.push(id.toString());
          const entry = decodeEntry(fields);
          if (entry) handle(entry);
        }
        await cmd.multi().xack(k.events, CONSUMER_GROUP, ...ids).xdel(k.events, ...ids).exec();
      } catch (error) {
        if (closed) return;
        const message = (error as Error).message;
        if (/NOGROUP/.test(message)) {
          // Redis came back empty (no persistence): recreate the group.
          await ensureGroup().catch(warnOn('cannot recreate the events consumer group; retrying on the next read'));
          cursor = '0';
          continue;
        }
        if (redisDown === undefined) log.warn('cannot read job events from Redis; retrying', errorFields(error));
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
  let loop: Promise<void> | undefined;
  const startLoops = () => {
    if (started) return;
    started = true;
    loop = readLoop();
  };

  // ---- cancel ------------------------------------------------------------------------------
  async function sendCancel(t: Tracked): Promise<void> {
    if (!t.cancel || !t.workerId) return;
    t.cancel.sentAt = clock.now();
    const msg: CancelMessage = { jobId: t.ref.jobId, workerId: t.workerId, signal: t.cancel.signal, ...(t.cancel.graceMs !== undefined ? { graceMs: t.cancel.graceMs } : {}) };
    await cmd
      .multi()
      .set(k.cancelled(t.ref.jobId), JSON.stringify(msg), 'EX', CANCELLED_TTL_SEC)
      .publish(k.cancel, JSON.stringify(msg))
      .exec()
      .catch((error) => log.warn('cannot send cancel; will retry', { jobId: t.ref.jobId, ...errorFields(error) }));
  }

  // Learn the workers before the first placement.
  await poll();

  const executor: BullmqExecutor = {
    kind: 'bullmq',
    submit(job: StepJob, io: JobIO): JobHandle {
      if (closed) throw new TypeError('executor is closed');
      if (typeof job?.jobId !== 'string' || job.jobId === '') throw new TypeError('job.jobId is required');
      if (jobs.has(job.jobId) || submitted.has(job.jobId)) throw new TypeError(`job ${job.jobId} was already submitted`);
      submitted.add(job.jobId);
      if (submitted.size > 100_000) submitted.delete(submitted.values().next().value!);
      startLoops();
      const subject = new ReplaySubject<JobEvent>();
      const ref: JobRef = { jobId: job.jobId, runName: job.runName, runId: job.runId, attempt: job.attempt, step: job.step };
      const t: Tracked = { job, ref, io, subject, state: 'placing', since: clock.now() };
      jobs.set(job.jobId, t);
      void placeSafely(t);
      return { jobId: job.jobId, events$: subject.asObservable() };
    },

    async cancel(jobId: string, opts: CancelOptions = {}): Promise<void> {
      const t = jobs.get(jobId);
      if (!t) return;
      const signal = opts.signal ?? 'SIGTERM';
      if (t.state === 'placing' || t.state === 'waiting-worker') {
        end(t, cancelledExit(t, signal));
        return;
      }
      t.cancel = { signal, ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}), sentAt: 0 };
      if (t.state === 'queued' && t.workerId) {
        // Still in the worker's queue: take it out, then nothing of it ever runs.
        const bj = await queueOf(t.workerId).getJob(jobId).catch(() => undefined);
        if (bj && (await bj.getState().catch(() => 'unknown')) === 'waiting' && (await bj.remove().then(() => true, () => false))) {
          end(t, cancelledExit(t, signal));
          return;
        }
      }
      await sendCancel(t);
    },

    async reconcile(refs: JobRef[]): Promise<JobFate[]> {
      const fates: JobFate[] = [];
      const listed = new Set(refs.map((r) => r.jobId));
      const placements = await cmd.hgetall(k.placements);
      for (const ref of refs) {
        const workerId = placements[ref.jobId];
        const bj = workerId ? await queueOf(workerId).getJob(ref.jobId).catch(() => undefined) : undefined;
        const state = bj ? await bj.getState().catch(() => 'unknown') : 'missing';
        if (bj && state === 'completed' && (bj.returnvalue as JobEvent | undefined)?.type === 'exited') {
          fates.push({ jobId: ref.jobId, fate: 'exited', exit: bj.returnvalue as JobExited });
          await cmd.hdel(k.placements, ref.jobId);
          continue;
        }
        if (bj && workerId && (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
          const subject = new ReplaySubject<JobEvent>();
          const t: Tracked = { job: bj.data as StepJob, ref, io: undefined, subject, state: state === 'active' ? 'started' : 'queued', workerId, since: clock.now() };
          jobs.set(ref.jobId, t);
          fates.push({ jobId: ref.jobId, fate: 'running', handle: { jobId: ref.jobId, events$: subject.asObservable() } });
          continue;
        }
        fates.push({ jobId: ref.jobId, fate: 'absent' });
        if (workerId) await cmd.hdel(k.placements, ref.jobId);
      }
      // Leftovers nobody listed: stop them, so nothing runs on for a run that is over.
      for (const [jobId, workerId] of Object.entries(placements)) {
        if (listed.has(jobId)) continue;
        const bj = await queueOf(workerId).getJob(jobId).catch(() => undefined);
        if (bj && (await bj.remove().then(() => true, () => false))) {
          // Removed before a worker took it.
        } else {
          const msg: CancelMessage = { jobId, workerId, signal: 'SIGKILL', graceMs: 0 };
          await cmd.multi().set(k.cancelled(jobId), JSON.stringify(msg), 'EX', CANCELLED_TTL_SEC).publish(k.cancel, JSON.stringify(msg)).exec();
        }
        await cmd.hdel(k.placements, jobId);
      }
      startLoops();
      return fates;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(pollTimer);
      await polling;
      // The handles end here; jobs already on a worker go on there, for the next server life's
      // `reconcile` to find (re-attach or stop), and jobs not yet placed are never placed.
      for (const t of [...jobs.values()]) end(t, { type: 'lost', reason: t.state === 'placing' || t.state === 'waiting-worker' ? 'executor closed before a worker took the step' : 'executor closed; the step goes on on its worker until reconciled' });
      reader.disconnect();
      // The reader was disconnected on purpose just above: its loop ends with that
      // disconnection error, which is expected and says nothing about the jobs, so it is dropped.
      await loop?.catch(() => undefined);
      await Promise.all([...queues.values()].map((q) => q.close().catch(warnOn('cannot close a worker queue'))));
      cmd.disconnect();
    },

    async workers(): Promise<WorkerView[]> {
      const list = await listWorkers(cmd, prefix);
      return list.map((w) => ({ ...w, lastHeartbeatAt: new Date(w.lastHeartbeatAt).toISOString(), startedAt: new Date(w.startedAt).toISOString() }));
    },

    waitingReason(jobId: string): string | undefined {
      const t = jobs.get(jobId);
      return t?.state === 'waiting-worker' ? (t.reason ?? 'waiting for a worker') : undefined;
    },

    waiting(): WaitingJob[] {
      return [...jobs.values()]
        .filter((t) => t.state === 'waiting-worker')
        .map((t) => ({ jobId: t.ref.jobId, runName: t.ref.runName, runId: t.ref.runId, step: t.ref.step, reason: t.reason ?? 'waiting for a worker', since: t.since }));
    },
  };
  return executor;
}

export type { Redis };
