import { existsSync } from 'node:fs';
import { TroupeError } from '../core/index.ts';
import { isTerminalRunStatus } from '../dag/status.ts';
import type { RunStore } from './ports.ts';
import type { RunHandle } from './run-handle.ts';
import { keyOf } from './run-handle.ts';
import { attemptLogDir, fileSize, runLogPath, stepLogPaths, tailFile } from './run-logs.ts';
import { toRunDetails } from './run-record.ts';
import type { LogTail, RunDetails, RunList, RunListFilter, RunLogs, RunRecord } from './types.ts';

/**
 * Reads of runs: the live record of a run in memory when there is one (it is the freshest),
 * else the stored one.
 */
export function createRunQueries(deps: { handles: Map<string, RunHandle>; runStore: RunStore; dataDir: string; waitingReason?: (jobId: string) => string | undefined }) {
  const { handles, runStore, dataDir, waitingReason } = deps;
  // Finished runs are read far more often than they change (an MCP client polling a run, a
  // UI refreshing), and they change only through a retry, which puts a live handle in front
  // of this cache until it ends and is remembered again.
  const finished = new Map<string, RunRecord>();
  const FINISHED_MAX = 10_000;

  /** Remembers a terminal record (newest wins; oldest evicted past the bound). */
  function remember(r: RunRecord): void {
    const key = keyOf(r.name, r.dagRunId);
    finished.delete(key);
    finished.set(key, r);
    if (finished.size > FINISHED_MAX) finished.delete(finished.keys().next().value!);
  }

  /** The record in memory (live or recently finished), without reading the store. */
  function peek(name: string, id: string): RunRecord | undefined {
    const key = keyOf(name, id);
    return handles.get(key)?.record ?? finished.get(key);
  }

  async function existingRecord(name: string, id: string): Promise<RunRecord | undefined> {
    const key = keyOf(name, id);
    const live = handles.get(key)?.record ?? finished.get(key);
    if (live) return live;
    const stored = await runStore.get(name, id);
    if (stored && isTerminalRunStatus(stored.status)) remember(stored);
    return stored;
  }

  async function getRecord(name: string, dagRunId: string): Promise<RunRecord | undefined> {
    if (dagRunId === 'latest') {
      const live = [...handles.values()].filter((h) => h.record.name === name).sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt))[0];
      const stored = await runStore.latest(name);
      if (live && (!stored || live.record.createdAt >= stored.createdAt)) return live.record;
      return stored ? (handles.get(keyOf(name, stored.dagRunId))?.record ?? stored) : undefined;
    }
    return existingRecord(name, dagRunId);
  }

  /**
   * The details of a record, with the executor's reason for each step of a live run whose job
   * was submitted and has not started (no live worker matches its selector, Redis is away).
   */
  function details(r: RunRecord): RunDetails {
    const d = toRunDetails(r);
    if (!waitingReason || !handles.has(keyOf(r.name, r.dagRunId))) return d;
    for (const [i, s] of r.steps.entries()) {
      if (!s.job || s.job.where || (s.status !== 'not_started' && s.status !== 'running')) continue;
      const reason = waitingReason(s.job.jobId);
      if (reason === undefined) continue;
      d.steps[i]!.waiting = reason;
      d.waiting ??= `step ${s.name}: ${reason}`;
    }
    return d;
  }

  async function getRun(name: string, dagRunId: string): Promise<RunDetails | undefined> {
    const r = await getRecord(name, dagRunId);
    return r ? details(r) : undefined;
  }

  async function listRuns(f: RunListFilter = {}): Promise<RunList> {
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 500);
    const items: RunDetails[] = [];
    let before = f.cursor;
    let scanned = 0;
    let nextCursor: string | undefined;
    // Filters other than the DAG name are applied while scanning, bounded so that a rare
    // status cannot make one call read the whole history.
    scan: while (scanned < 20_000) {
      const page = await runStore.list({ ...(f.name !== undefined ? { name: f.name } : {}), limit: Math.max(limit, 100), ...(before !== undefined ? { before } : {}) });
      for (const [i, stored] of page.records.entries()) {
        scanned++;
        const r = handles.get(keyOf(stored.name, stored.dagRunId))?.record ?? stored;
        const t = Date.parse(r.createdAt);
        if (f.status && !f.status.includes(r.status)) continue;
        if (f.from !== undefined && t < f.from) continue;
        if (f.to !== undefined && t > f.to) continue;
        if (f.workspaces && !f.workspaces.includes(r.workspace)) continue;
        items.push(details(r));
        if (items.length >= limit) {
          nextCursor = page.cursors[i];
          break scan;
        }
      }
      if (page.next === undefined) break;
      before = page.next;
    }
    const result: RunList = { items };
    if (nextCursor !== undefined) result.nextCursor = nextCursor;
    return result;
  }

  /**
   * The log files of a step: from the latest attempt that ran it. A retry from a step keeps
   * the steps before it as they were, and their output stays in the earlier attempt's folder.
   */
  function stepFiles(r: RunRecord, stepName: string): { stdout: string; stderr: string } {
    for (let attempt = r.attempt; attempt >= 1; attempt--) {
      const p = stepLogPaths(attemptLogDir(dataDir, r.name, r.dagRunId, attempt), stepName);
      if (existsSync(p.stdout) || existsSync(p.stderr)) return p;
    }
    return stepLogPaths(attemptLogDir(dataDir, r.name, r.dagRunId, r.attempt), stepName);
  }

  async function runLogs(name: string, dagRunId: string, tail = 500): Promise<RunLogs> {
    const r = await getRecord(name, dagRunId);
    if (!r) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`);
    const dir = attemptLogDir(dataDir, r.name, r.dagRunId, r.attempt);
    const n = Math.min(Math.max(Math.trunc(tail), 1), 10_000);
    return {
      schedulerLog: tailFile(runLogPath(dir), n),
      stepLogs: r.steps.map((s) => {
        const p = stepFiles(r, s.name);
        return {
          stepName: s.name,
          status: toRunDetails({ ...r, steps: [s] }).steps[0]!.status,
          statusLabel: s.status,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          hasStdout: fileSize(p.stdout) > 0,
          hasStderr: fileSize(p.stderr) > 0,
        };
      }),
    };
  }

  async function stepLog(name: string, dagRunId: string, stepName: string, stream: 'stdout' | 'stderr', tail = 1000): Promise<LogTail> {
    const r = await getRecord(name, dagRunId);
    if (!r) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${dagRunId} not found`);
    if (!r.steps.some((s) => s.name === stepName)) throw new TroupeError('STEP_NOT_FOUND', `step ${stepName} not found in dag-run ${name}:${dagRunId}`);
    const p = stepFiles(r, stepName);
    return tailFile(stream === 'stdout' ? p.stdout : p.stderr, Math.min(Math.max(Math.trunc(tail), 1), 100_000));
  }

  /** Drops a deleted run from the memory of finished runs (retention). */
  function forget(key: string): void {
    finished.delete(key);
  }

  return { existingRecord, getRecord, getRun, listRuns, runLogs, stepLog, remember, peek, forget };
}
