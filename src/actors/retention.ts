import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Logger } from '../core/index.ts';
import { isActiveRunStatus } from '../dag/status.ts';
import type { DagSpec } from '../dag/types.ts';
import type { RunStore } from './ports.ts';
import type { RunRecord } from './types.ts';

const DAY_MS = 24 * 3600_000;

/** What a DAG keeps (§22): its own `hist_retention_days`/`_runs`, else the configured default days. */
export function retentionOf(spec: DagSpec, defaultDays: number): { days: number } | { runs: number } {
  if (spec.histRetentionRuns !== undefined) return { runs: spec.histRetentionRuns };
  return { days: spec.histRetentionDays ?? defaultDays };
}

/**
 * Which of a DAG's runs (newest first) to prune: those older than the kept days (by their end,
 * else their creation), or all but the newest N. Never a run that is queued, running or live.
 */
export function runsToPrune(newestFirst: readonly RunRecord[], keep: { days: number } | { runs: number }, now: number, isLive: (r: RunRecord) => boolean): RunRecord[] {
  const prunable = (r: RunRecord) => !isActiveRunStatus(r.status) && !isLive(r);
  if ('runs' in keep) return newestFirst.slice(keep.runs).filter(prunable);
  const cutoff = now - keep.days * DAY_MS;
  return newestFirst.filter((r) => prunable(r) && Date.parse(r.finishedAt ?? r.createdAt) < cutoff);
}

export interface RetentionDeps {
  runStore: RunStore;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** Days kept when a DAG sets neither `hist_retention_days` nor `hist_retention_runs`. */
  defaultDays: number;
  /** True for a run the runtime still holds (an actor, or a record being written). */
  isLive(name: string, dagRunId: string): boolean;
  /** Resolves once pending record writes are on disk (so none re-creates a pruned run). */
  idle(): Promise<void>;
  /** Forgets a pruned run in the runtime's memory. */
  forget(name: string, dagRunId: string): void;
}

/**
 * Run history retention. When an attempt of a DAG begins (Dagu's moment), the DAG's old runs are
 * pruned: their records, specs, transitions, and their log, work and artifact directories.
 * One pass per DAG at a time (a request during a pass runs one more pass after it); errors are
 * logged, never fatal.
 */
export function createRetention(deps: RetentionDeps) {
  const { runStore, dataDir, logger } = deps;
  const passes = new Map<string, Promise<void>>();
  const again = new Map<string, DagSpec>();

  async function prune(name: string, spec: DagSpec): Promise<string[]> {
    const keep = retentionOf(spec, deps.defaultDays);
    const records: RunRecord[] = [];
    for (let before: string | undefined; ; ) {
      const page = await runStore.list({ name, limit: 500, ...(before ? { before } : {}) });
      records.push(...page.records);
      if (!page.next) break;
      before = page.next;
    }
    const doomed = runsToPrune(records, keep, deps.clock.now(), (r) => deps.isLive(r.name, r.dagRunId));
    if (doomed.length === 0) return [];
    await deps.idle();
    const removed: string[] = [];
    for (const r of doomed) {
      if (deps.isLive(r.name, r.dagRunId)) continue;
      await runStore.remove(r.name, r.dagRunId);
      deps.forget(r.name, r.dagRunId);
      for (const dir of ['logs', 'work', 'artifacts']) rmSync(join(dataDir, dir, r.name, r.dagRunId), { recursive: true, force: true });
      removed.push(r.dagRunId);
    }
    logger.info(`pruned ${removed.length} run${removed.length === 1 ? '' : 's'} of ${name} and their logs`, { dag: name, ...keep, dagRunIds: removed });
    return removed;
  }

  /** Prunes `name` soon (coalesced); failures are logged. */
  function request(name: string, spec: DagSpec): void {
    if (passes.has(name)) {
      again.set(name, spec);
      return;
    }
    const pass = prune(name, spec)
      .then(() => undefined)
      .catch((error: unknown) => logger.warn('cannot prune old runs (retention)', { dag: name, error }))
      .finally(() => {
        passes.delete(name);
        const next = again.get(name);
        if (next) {
          again.delete(name);
          request(name, next);
        }
      });
    passes.set(name, pass);
  }

  /** Resolves when no pass is running. */
  async function idle(): Promise<void> {
    while (passes.size > 0) await Promise.all(passes.values());
  }

  return { prune, request, idle };
}
