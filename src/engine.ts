import { createRuntime } from './actors/index.ts';
import type { Runtime } from './actors/index.ts';
import { attachRuntimeEvents, createAuditTrail } from './audit/index.ts';
import type { AuditTrail } from './audit/types.ts';
import type { TroupeConfig } from './config.ts';
import { openDatabase } from './store/database.ts';
import type { Database } from './store/database.ts';
import { createDagDirStore } from './store/dag-dir.ts';
import { createLevelRunStore } from './store/level-run-store.ts';
import { createLevelAuditStore } from './store/level-audit-store.ts';

/** The store, the audit trail and the runtime of one data directory, wired together. */
export interface Engine {
  config: TroupeConfig;
  db: Database;
  audit: AuditTrail;
  runtime: Runtime;
  /** Stops actors (after persisting), flushes the audit trail, closes the store. */
  close(): Promise<void>;
}

/**
 * Opens the engine on `config.dataDir`: LevelDB, the audit trail (its fail-closed policy gates
 * every state change of the runtime), the runtime, and the audit pipeline that records the
 * runtime's domain events. Throws `STORE_LOCKED` when another process owns the directory.
 * `holdQueued`: queued runs are kept, never dispatched (the CLI without a server).
 */
export async function openEngine(config: TroupeConfig, options: { onWarning?: (m: string) => void; holdQueued?: boolean } = {}): Promise<Engine> {
  const db = await openDatabase(config.dataDir);
  let audit: AuditTrail | undefined;
  try {
    audit = await createAuditTrail({ store: createLevelAuditStore(db), onFailure: config.audit.onFailure, retentionDays: config.audit.retentionDays });
    const trail = audit;
    let subscription: { unsubscribe(): void } | undefined;
    const runtime = await createRuntime({
      runStore: createLevelRunStore(db),
      dagStore: createDagDirStore(config.dagsDir),
      dataDir: config.dataDir,
      queues: config.queues,
      maxQueuedRuns: config.engine.maxQueuedRuns,
      killGraceMs: config.engine.killGraceMs,
      gate: () => trail.assertWritable(),
      observe: (events$) => {
        subscription = attachRuntimeEvents(trail, events$);
      },
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.holdQueued ? { holdQueued: true } : {}),
    });
    let closing: Promise<void> | undefined;
    return {
      config,
      db,
      audit: trail,
      runtime,
      close() {
        closing ??= (async () => {
          await runtime.close();
          subscription?.unsubscribe();
          await trail.flush().catch(() => {});
          await trail.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await audit?.close().catch(() => {});
    await db.close().catch(() => {});
    throw error;
  }
}
