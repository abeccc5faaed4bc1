import { createRuntime } from './actors/index.ts';
import type { Runtime, StepExecutor } from './actors/index.ts';
import type { AuditStore } from './audit/ports.ts';
import { createLogger, systemClock } from './core/index.ts';
import type { Clock, Logger } from './core/index.ts';
import { attachRuntimeEvents, createAuditTrail } from './audit/index.ts';
import type { AuditTrail } from './audit/types.ts';
import type { TroupeConfig } from './config.ts';
import { openAuditDatabase, openDatabase } from './store/database.ts';
import type { Database } from './store/database.ts';
import { createDagDirStore } from './store/dag-dir.ts';
import { createLevelRunStore } from './store/level-run-store.ts';
import { createLevelAuditStore } from './store/level-audit-store.ts';
import { moveAuditTrail } from './store/move-audit-trail.ts';
import { startAuditThread } from './start-audit-thread.ts';

/** Options of `openEngine`. */
export interface EngineOptions {
  /** @defaultValue JSON lines on stderr */
  logger?: Logger;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** @defaultValue local processes */
  executor?: StepExecutor;
  /** Where the default local executor forks from (see `RuntimeOptions.launcher`). @defaultValue 'helper' */
  launcher?: 'helper' | 'direct';
  /**
   * Wraps the audit store (tests put a failing store in front of the real one). The trail is
   * then written inline, in this thread, whatever `audit.thread` says.
   */
  auditStore?: (store: AuditStore) => AuditStore;
  /** Queued runs are kept, never dispatched (the CLI without a server). @defaultValue false */
  holdQueued?: boolean;
}

/** The zone of schedule expressions without `CRON_TZ=`: config `scheduler.timezone`, else `DAGU_TZ`; undefined = local. */
export function scheduleTimezone(config: TroupeConfig): string | undefined {
  return config.scheduler.timezone || process.env.DAGU_TZ || undefined;
}

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
export async function openEngine(config: TroupeConfig, options: EngineOptions = {}): Promise<Engine> {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  const auditLogger = logger.child({ component: 'audit' });
  const db = await openDatabase(config.dataDir);
  let audit: AuditTrail | undefined;
  try {
    audit = await openAuditTrail(config, db, { ...options, clock, logger: auditLogger });
    const trail = audit;
    const failClosed = config.audit.onFailure === 'fail_closed';
    let subscription: { unsubscribe(): void } | undefined;
    const runtime = await createRuntime({
      runStore: createLevelRunStore(db),
      dagStore: createDagDirStore(config.dagsDir),
      dataDir: config.dataDir,
      queues: config.queues,
      retentionDays: config.history.retentionDays,
      ...(scheduleTimezone(config) ? { scheduleTimezone: scheduleTimezone(config)! } : {}),
      maxQueuedRuns: config.engine.maxQueuedRuns,
      killGraceMs: config.engine.killGraceMs,
      stepLimits: { logBytes: config.engine.stepLogBytes, outputBytes: config.engine.maxOutputSize },
      gate: () => trail.assertWritable(),
      // Acknowledged means durable: a command answers once its audit entries are written.
      // Concurrent commands share the trail's next write (group commit).
      commit: async () => {
        try {
          await trail.flush();
        } catch (error) {
          if (failClosed) throw error;
          logger.warn('audit entries are not durable yet (fail_open: the change proceeds)', { error });
        }
      },
      observe: (events$) => {
        subscription = attachRuntimeEvents(trail, events$, logger.child({ component: 'audit-mapping' }));
      },
      logger,
      clock,
      ...(options.executor ? { executor: options.executor } : {}),
      ...(options.launcher ? { launcher: options.launcher } : {}),
      ...(options.holdQueued ? { holdQueued: true } : {}),
      // A CLI process (holdQueued) leaves automatic retries to the next server (deferred), but
      // knows they will follow: a failed attempt with retries left skips its failure handler.
      ...(config.scheduler.enabled && config.scheduler.retryFailureWindowHours > 0 ? { autoRetry: { windowMs: config.scheduler.retryFailureWindowHours * 3600_000, ...(options.holdQueued ? { deferred: true } : {}) } } : {}),
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
          await trail.flush().catch((error: unknown) => logger.warn('audit entries could not be written before close', { error }));
          await trail.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    // The open error is what the caller must see; failed clean-ups are logged beside it.
    await audit?.close().catch((e: unknown) => logger.warn('open failed; the audit trail did not close cleanly', { error: e }));
    await db.close().catch((e: unknown) => logger.warn('open failed; the database did not close cleanly', { error: e }));
    throw error;
  }
}

/**
 * The audit trail of a data directory, in its own LevelDB (`<dataDir>/audit`; a trail kept in
 * the main database by an earlier version is moved there first). Written by the audit thread
 * (`audit.thread`, the default), or inline over a database opened here, which the trail's
 * `close` closes after it.
 */
export async function openAuditTrail(
  config: TroupeConfig,
  db: Database,
  options: { clock: Clock; logger: Logger; auditStore?: EngineOptions['auditStore'] },
): Promise<AuditTrail> {
  const { clock, logger } = options;
  const move = await moveAuditTrail(db, () => openAuditDatabase(config.dataDir));
  if (move.moved > 0) logger.info('audit trail moved to its own database', { rows: move.moved, location: 'audit' });
  if (move.kept) logger.warn(`audit trail not moved: ${move.kept}`);
  const log = (message: string) => logger.warn(message);
  if (config.audit.thread && !options.auditStore) {
    return startAuditThread({ dataDir: config.dataDir, onFailure: config.audit.onFailure, retentionDays: config.audit.retentionDays }, { clock, logger: log });
  }
  const auditDb = await openAuditDatabase(config.dataDir);
  try {
    const store = createLevelAuditStore(auditDb);
    const trail = await createAuditTrail({ store: options.auditStore?.(store) ?? store, onFailure: config.audit.onFailure, retentionDays: config.audit.retentionDays, logger: log, clock });
    return {
      ...trail,
      async close() {
        await trail.close();
        await auditDb.close();
      },
    };
  } catch (error) {
    // The open error is what the caller must see; a failed close is logged beside it.
    await auditDb.close().catch((e: unknown) => logger.warn('open failed; the audit database did not close cleanly', { error: e }));
    throw error;
  }
}
