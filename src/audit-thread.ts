// The audit thread's entry (a `worker_threads` Worker started by `startAuditThread`): the audit
// trail over its own LevelDB, `<dataDir>/audit`, served to the main thread. Does nothing when
// imported on the main thread.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createAuditTrail } from './audit/create-audit-trail.ts';
import { serveAuditThread } from './audit/serve-audit-thread.ts';
import { toThreadError } from './audit/thread-protocol.ts';
import type { AuditThreadPort } from './audit/serve-audit-thread.ts';
import type { AuditThreadConfig, FromAuditThread } from './audit/thread-protocol.ts';
import { openAuditDatabase } from './store/database.ts';
import type { Database } from './store/database.ts';
import { createLevelAuditStore } from './store/level-audit-store.ts';

if (!isMainThread && parentPort && (workerData as { troupeAuditThread?: AuditThreadConfig } | undefined)?.troupeAuditThread) {
  const config = (workerData as { troupeAuditThread: AuditThreadConfig }).troupeAuditThread;
  const port = parentPort as unknown as AuditThreadPort;
  const post = (m: FromAuditThread) => port.postMessage(m);
  let db: Database | undefined;
  try {
    db = await openAuditDatabase(config.dataDir);
    const trail = await createAuditTrail({
      store: createLevelAuditStore(db),
      onFailure: config.onFailure,
      retentionDays: config.retentionDays,
      // The main thread schedules purges on its clock, and it batched the entries already.
      autoPurge: false,
      batchMs: 0,
      busyBatchMs: 0,
      logger: (message) => post({ t: 'log', message }),
    });
    const served = serveAuditThread(port, trail);
    post({ t: 'ready' });
    await served;
  } catch (error) {
    post({ t: 'open_failed', error: toThreadError(error) });
  } finally {
    await db?.close().catch((error: unknown) => post({ t: 'log', message: `the audit database did not close cleanly: ${(error as Error)?.message ?? String(error)}` }));
    // The port was all that kept the thread running; it now ends by itself.
    parentPort.unref();
  }
}
