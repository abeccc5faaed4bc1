import { isoTime } from '../core/index.ts';
import type { Clock, Logger } from '../core/index.ts';
import type { DagSpec } from '../dag/types.ts';
import type { JobExited, JobRef, StepExecutor } from './executors/port.ts';
import type { RunStore } from './ports.ts';
import type { QueueManager } from './queue-manager.ts';
import type { RecordWriter } from './record-writer.ts';
import { keyOf, snapshotKey } from './run-handle.ts';
import { rootOf } from './run-observer.ts';
import type { RunHandle } from './run-handle.ts';
import type { UnstampedEvent } from './events.ts';
import type { RunRecord } from './types.ts';

export interface RecoverDeps {
  runStore: RunStore;
  writer: RecordWriter;
  executor: StepExecutor;
  clock: Clock;
  logger: Logger;
  queues: QueueManager;
  /** Publishes on the backbone (`run.interrupted`, `run.finished`). */
  publish: (event: UnstampedEvent, correlationId: string) => void;
  /** Throws when the YAML is not a valid DAG any more. */
  loadSpec: (yaml: string, name: string, document?: string) => DagSpec;
  /** Recreates a queued run's actor from its persisted snapshot. */
  restoreQueued: (record: RunRecord, spec: DagSpec, snapshot: unknown) => RunHandle;
}

/**
 * Brings the runs of a previous process life back. A run that was running is never re-run
 * blindly: what is left of its step process groups is killed (the start time guards against
 * a reused pid) and the run is marked failed, "interrupted by restart". Queued runs are
 * restored as live actors and re-queued in their original order. Returns the highest queue
 * sequence number seen, so new runs queue after the restored ones.
 */
export async function recoverRuns(deps: RecoverDeps): Promise<number> {
  const { runStore, writer, executor, clock, logger, queues } = deps;
  const active = await runStore.active();
  // Before anything can submit: end what is left of the jobs of runs that were running, and
  // every other leftover of this executor's scope (a background child of an ended step).
  const jobs: JobRef[] = [];
  for (const r of active) {
    if (r.status === 'queued') continue;
    for (const s of r.steps) if (s.job) jobs.push({ jobId: s.job.jobId, runName: r.name, runId: r.dagRunId, attempt: r.attempt, step: s.name });
  }
  /** Jobs a remote worker finished while this process was down: their steps keep their true end. */
  const exits = new Map<string, JobExited>();
  /** Jobs that were running user code when this process died (killed or stopped now). */
  const ran = new Set<string>();
  try {
    const fates = await executor.reconcile(jobs);
    for (const f of fates) {
      if (f.fate === 'exited') exits.set(f.jobId, f.exit);
      if (f.fate === 'running' || f.fate === 'killed') ran.add(f.jobId);
      if (f.fate === 'running') await executor.cancel(f.jobId, { signal: 'SIGKILL', graceMs: 0 });
      if (f.fate === 'killed') logger.info('killed what was left of a step job of an earlier process life', { job: f.jobId, processes: f.processes });
    }
  } catch (error) {
    logger.error('cannot reconcile the jobs of an earlier process life', { jobs: jobs.length, error });
  }
  const queueSeq = active.reduce((max, r) => Math.max(max, r.queueSeq ?? 0), 0);
  const queued = active.filter((r) => r.status === 'queued');
  const [specs, snapshots] = await Promise.all([
    runStore.getSpecs(queued),
    runStore.getSnapshots(queued.map((r) => snapshotKey(keyOf(r.name, r.dagRunId)))),
  ]);
  const restored: RunHandle[] = [];
  for (const [i, r] of queued.entries()) {
    let spec: DagSpec | undefined;
    try {
      const yaml = specs[i];
      spec = yaml === undefined ? undefined : deps.loadSpec(yaml, r.name, r.document);
    } catch {
      spec = undefined;
    }
    if (!spec) {
      r.status = 'failed';
      r.error = 'cannot restore: the run spec is missing or invalid';
      r.finishedAt = isoTime(clock.now());
      await writer.writeNow(keyOf(r.name, r.dagRunId), r);
      continue;
    }
    restored.push(deps.restoreQueued(r, spec, snapshots[i]));
  }
  for (const r of active) {
    if (r.status === 'queued') continue;
    for (const s of r.steps) {
      const exit = s.job ? exits.get(s.job.jobId) : undefined;
      if (exit && (s.status === 'running' || s.status === 'not_started')) {
        // It ran to its end on its worker: say how, not "interrupted". The run still ends
        // interrupted, since nothing followed the step (dependents, handlers).
        const ok = exit.exitCode === 0 && !exit.error;
        s.status = ok ? 'succeeded' : 'failed';
        s.exitCode = exit.exitCode;
        if (ok) delete s.error;
        else s.error = exit.error ?? (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.exitCode}`);
        s.startedAt ??= isoTime(exit.at);
        s.finishedAt = isoTime(exit.at);
      } else if (s.status === 'running' || s.status === 'retrying' || (s.status === 'not_started' && s.job && ran.has(s.job.jobId))) {
        // A step's job id is durable before its job is submitted, its `running` status up to a
        // record write later: a crash in between leaves `not_started` for a job that ran.
        s.status = 'failed';
        s.error = 'interrupted by restart';
        s.finishedAt = isoTime(clock.now());
      }
      delete s.pid;
      delete s.pidStart;
      delete s.job;
    }
    const now = clock.now();
    r.status = 'failed';
    r.error = 'interrupted by restart';
    r.finishedAt = isoTime(now);
    await writer.writeNow(keyOf(r.name, r.dagRunId), r);
    const base = { at: now, run: { name: r.name, dagRunId: r.dagRunId, attempt: r.attempt }, origin: r.origin, workspace: r.workspace, ...rootOf(r) };
    deps.publish({ type: 'run.interrupted', status: 'failed', ...base }, r.origin.correlationId);
    const startedAt = r.startedAt === null ? null : Date.parse(r.startedAt);
    deps.publish(
      { type: 'run.finished', status: 'failed', error: r.error, startedAt, finishedAt: now, ...(startedAt !== null ? { durationMs: now - startedAt } : {}), ...base },
      r.origin.correlationId,
    );
  }
  for (const h of restored.sort((a, b) => (a.record.queueSeq ?? 0) - (b.record.queueSeq ?? 0))) {
    queues.enqueue(h.record.queue, { key: h.key, seq: h.record.queueSeq ?? 0 });
  }
  queues.dispatchAll();
  return queueSeq;
}

