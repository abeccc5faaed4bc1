import { isoTime } from '../core/index.ts';
import type { Clock, OperationOrigin } from '../core/index.ts';
import type { DagSpec } from '../dag/types.ts';
import type { RunStore, StepExecutor } from './ports.ts';
import type { QueueManager } from './queue-manager.ts';
import type { RecordWriter } from './record-writer.ts';
import { keyOf, snapshotKey } from './run-handle.ts';
import type { RunHandle } from './run-handle.ts';
import type { DomainAction, RunRecord } from './types.ts';

export interface RecoverDeps {
  runStore: RunStore;
  writer: RecordWriter;
  executor: StepExecutor;
  clock: Clock;
  warn: (message: string) => void;
  queues: QueueManager;
  emit: (action: DomainAction, record: RunRecord, details: Record<string, unknown>, origin: OperationOrigin) => void;
  /** Throws when the YAML is not a valid DAG any more. */
  loadSpec: (yaml: string, name: string) => DagSpec;
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
  const { runStore, writer, executor, clock, warn, queues } = deps;
  const active = await runStore.active();
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
      spec = yaml === undefined ? undefined : deps.loadSpec(yaml, r.name);
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
      if (s.pid !== undefined) await executor.reap(s.pid, s.pidStart).catch((e: Error) => warn(`cannot reap pid ${s.pid}: ${e.message}`));
      if (s.status === 'running' || s.status === 'retrying') {
        s.status = 'failed';
        s.error = 'interrupted by restart';
        s.finishedAt = isoTime(clock.now());
      }
      delete s.pid;
      delete s.pidStart;
    }
    r.status = 'failed';
    r.error = 'interrupted by restart';
    r.finishedAt = isoTime(clock.now());
    await writer.writeNow(keyOf(r.name, r.dagRunId), r);
    deps.emit('dag_run_interrupted', r, { status: 'failed', attempt: r.attempt }, r.origin);
    deps.emit('dag_run_finished', r, { status: 'failed', attempt: r.attempt, error: r.error }, r.origin);
  }
  for (const h of restored.sort((a, b) => (a.record.queueSeq ?? 0) - (b.record.queueSeq ?? 0))) {
    queues.enqueue(h.record.queue, { key: h.key, seq: h.record.queueSeq ?? 0 });
  }
  queues.dispatchAll();
  return queueSeq;
}
