import { newId, runWithContext } from '../core/index.ts';
import type { Clock, Logger } from '../core/index.ts';
import type { DagSpec } from '../dag/types.ts';
import type { RunStore } from './ports.ts';
import type { RunRecord } from './types.ts';

/** The DAG-level `retry_policy` of a spec, in ms, with Dagu's defaults (§20). */
export interface AutoRetryPlan {
  limit: number;
  intervalMs: number;
  backoff: number;
  maxIntervalMs: number;
}

export function autoRetryPlan(spec: DagSpec): AutoRetryPlan | undefined {
  const p = spec.retryPolicy;
  if (!p || p.limit <= 0) return undefined;
  return {
    limit: p.limit,
    // interval_sec must be positive in Dagu; absent (read as 0) means the default, 60 s.
    intervalMs: (p.intervalSec > 0 ? p.intervalSec : 60) * 1000,
    backoff: p.backoff ?? 1,
    maxIntervalMs: (p.maxIntervalSec && p.maxIntervalSec > 0 ? p.maxIntervalSec : 3600) * 1000,
  };
}

/** How long after the failed attempt's end the next automatic retry starts: interval × backoff^count, capped. */
export function autoRetryDelayMs(plan: AutoRetryPlan, count: number): number {
  return Math.min(plan.intervalMs * plan.backoff ** count, plan.maxIntervalMs);
}

/**
 * Whether a failure of the run's current attempt would be retried automatically: a root run
 * whose DAG has a `retry_policy` with retries left, not cancelled by a stop. `made` retries of
 * `limit` were made so far. The run machine gets it at the attempt's start (a failed attempt
 * with a retry pending skips `handler_on.failure`, §20.3); `autoRetryDue` schedules by it.
 */
export function autoRetryRemaining(record: RunRecord, spec: DagSpec): { made: number; limit: number } | undefined {
  const plan = autoRetryPlan(spec);
  if (!plan || record.autoRetryStopped || isChildRun(record)) return undefined;
  const made = record.autoRetries ?? 0;
  return made < plan.limit ? { made, limit: plan.limit } : undefined;
}

/** Whether a run's current attempt is due an automatic retry, and when (epoch ms). */
export function autoRetryDue(record: RunRecord, spec: DagSpec): number | undefined {
  const plan = autoRetryPlan(spec);
  if (!plan || record.status !== 'failed' || !autoRetryRemaining(record, spec)) return undefined;
  const count = record.autoRetries ?? 0;
  const end = record.finishedAt ? Date.parse(record.finishedAt) : NaN;
  if (!Number.isFinite(end)) return undefined;
  return end + autoRetryDelayMs(plan, count);
}

/** Sub-DAG runs are never auto-retried (§20.4): a record that names a parent or root run is one. */
function isChildRun(record: RunRecord): boolean {
  const r = record as unknown as { parent?: unknown; root?: unknown; parentRun?: unknown; rootRun?: unknown };
  return Boolean(r.parent ?? r.parentRun ?? r.root ?? r.rootRun);
}

export interface AutoRetryDeps {
  clock: Clock;
  logger: Logger;
  /** A new attempt of the run, marked automatic; throws like `Runtime.retry`. */
  retry(name: string, dagRunId: string): Promise<{ attempt: number }>;
  /** The run's record as it is now. */
  record(name: string, dagRunId: string): Promise<RunRecord | undefined>;
}

/**
 * Pending automatic retries (DAG-level `retry_policy`): one clock timer per failed root run
 * that has retries left. When it fires, the run is retried (a new attempt, trigger `retry`)
 * under its own operation context (`source: scheduler`, a fresh correlation id), unless the run
 * moved on meanwhile (retried by hand, dequeued, deleted). `cancel` drops a pending retry (a stop
 * of the failed run).
 */
export function createAutoRetry(deps: AutoRetryDeps) {
  const { clock, logger } = deps;
  const pending = new Map<string, { timer: unknown; attempt: number; at: number }>();
  const key = (name: string, id: string) => `${name}\u0000${id}`;
  let closed = false;

  function schedule(record: RunRecord, spec: DagSpec): void {
    if (closed) return;
    const due = autoRetryDue(record, spec);
    if (due === undefined) return;
    const k = key(record.name, record.dagRunId);
    const prior = pending.get(k);
    if (prior) clock.clearTimeout(prior.timer);
    const { name, dagRunId, attempt } = record;
    const timer = clock.setTimeout(() => void fire(name, dagRunId, attempt), Math.max(0, due - clock.now()));
    pending.set(k, { timer, attempt, at: due });
    logger.info('automatic retry scheduled (retry_policy)', { dag: name, dagRunId, attempt, retryAt: new Date(due).toISOString(), retriesMade: record.autoRetries ?? 0 });
  }

  async function fire(name: string, dagRunId: string, attempt: number): Promise<void> {
    const k = key(name, dagRunId);
    if (pending.get(k)?.attempt !== attempt) return;
    pending.delete(k);
    if (closed) return;
    const r = await deps.record(name, dagRunId).catch(() => undefined);
    if (!r || r.attempt !== attempt || r.status !== 'failed' || r.autoRetryStopped) return;
    try {
      const next = await runWithContext({ source: 'scheduler', correlationId: newId() }, () => deps.retry(name, dagRunId));
      logger.info('automatic retry started (retry_policy)', { dag: name, dagRunId, attempt: next.attempt });
    } catch (error) {
      logger.warn('automatic retry failed to start', { dag: name, dagRunId, error });
    }
  }

  return {
    schedule,
    /** True when a retry was pending for the run (it is dropped). */
    cancel(name: string, dagRunId: string): boolean {
      const p = pending.get(key(name, dagRunId));
      if (!p) return false;
      clock.clearTimeout(p.timer);
      pending.delete(key(name, dagRunId));
      return true;
    },
    isPending: (name: string, dagRunId: string) => pending.has(key(name, dagRunId)),
    close(): void {
      closed = true;
      for (const p of pending.values()) clock.clearTimeout(p.timer);
      pending.clear();
    },
  };
}

/**
 * At boot: failed root runs that ended since `since` and have retries left get their pending
 * retry again (its time counts from the attempt's end, so a retry that fell due while the
 * server was down starts at once). Newest first, at most `max` records read.
 */
export async function scheduleAutoRetries(deps: {
  runStore: RunStore;
  load: (yaml: string, name: string) => DagSpec;
  autoRetry: ReturnType<typeof createAutoRetry>;
  since: number;
  logger: Logger;
  max?: number;
}): Promise<void> {
  const max = deps.max ?? 10_000;
  let before: string | undefined;
  let read = 0;
  try {
    for (;;) {
      const page = await deps.runStore.list({ limit: 200, ...(before ? { before } : {}) });
      for (const r of page.records) {
        read++;
        const end = r.finishedAt ? Date.parse(r.finishedAt) : NaN;
        if (r.status !== 'failed' || !(end >= deps.since)) continue;
        const yaml = await deps.runStore.getSpec(r.name, r.dagRunId);
        if (yaml === undefined) continue;
        try {
          deps.autoRetry.schedule(r, deps.load(yaml, r.name));
        } catch {
          // A spec that no longer loads has no policy to follow.
        }
      }
      const last = page.records[page.records.length - 1];
      const lastAt = last ? Date.parse(last.startedAt ?? last.queuedAt ?? last.createdAt) : NaN;
      if (!page.next || read >= max || lastAt < deps.since) return;
      before = page.next;
    }
  } catch (error) {
    deps.logger.warn('cannot scan failed runs for automatic retries', { error });
  }
}
