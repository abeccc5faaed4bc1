import { Worker } from 'node:worker_threads';
import { createThreadedAuditTrail } from './audit/threaded-audit-trail.ts';
import type { ThreadedAuditTrailOptions } from './audit/threaded-audit-trail.ts';
import type { AuditThreadConfig } from './audit/thread-protocol.ts';
import type { AuditTrail } from './audit/types.ts';

/**
 * Starts the audit thread on `<dataDir>/audit` and returns the trail that feeds it. Run from the
 * TypeScript sources, the thread loads them through tsx (`scripts/tsx-worker.mjs`); from dist/,
 * it runs the compiled JavaScript.
 */
export async function startAuditThread(config: AuditThreadConfig, options: Omit<ThreadedAuditTrailOptions, 'worker' | 'onFailure' | 'retentionDays'> = {}): Promise<AuditTrail> {
  return createThreadedAuditTrail({ ...options, worker: await spawnAuditThread(config), onFailure: config.onFailure, retentionDays: config.retentionDays });
}

let compiled: Promise<boolean> | undefined;

/**
 * The audit thread itself, not yet fed (see {@link startAuditThread}). The process's own flags
 * (`-e`, `--input-type`, test hooks) are not the thread's.
 */
export async function spawnAuditThread(config: AuditThreadConfig): Promise<Worker> {
  const workerData = { troupeAuditThread: config };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./audit-thread.js', import.meta.url), { workerData, execArgv: [] });
  // From the sources: the compiled thread when dist/ is up to date with them (it starts sooner:
  // no TypeScript to compile), else the sources through a bootstrap that registers tsx,
  // which Node 20 does not carry into a worker.
  compiled ??= import(new URL('../scripts/dist-fresh.mjs', import.meta.url).href).then(
    (m: { distIsFresh(root: string): boolean }) => m.distIsFresh(new URL('..', import.meta.url).pathname),
    () => false,
  );
  if (await compiled) return new Worker(new URL('../dist/audit-thread.js', import.meta.url), { workerData, execArgv: [] });
  const entry = new URL('./audit-thread.ts', import.meta.url).href;
  return new Worker(new URL('../scripts/tsx-worker.mjs', import.meta.url), { workerData: { ...workerData, troupeEntry: entry }, execArgv: [] });
}
