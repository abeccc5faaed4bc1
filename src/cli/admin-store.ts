import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TroupeError } from '../core/errors.ts';
import type { AuditTrail } from '../audit/types.ts';
import type { AuthService } from '../auth/index.ts';
import type { Database } from '../store/database.ts';
import { resolveConfig } from './args.ts';
import type { GlobalFlags } from './args.ts';
import { readServerFile } from './server-file.ts';

/**
 * What the admin commands (`audit`, `apikey`, `user`) open: the store and, when they write, the
 * audit trail and the auth service. Never the runtime: an admin command does not recover,
 * dispatch, fail or otherwise touch a run.
 */
export interface AdminStore {
  db: Database;
  /** The audit trail's own database (`<dataDir>/audit`), opened on first use. */
  auditDb(): Promise<Database>;
  /** The audit trail, without its retention purge (that is the server's job). */
  trail(): Promise<AuditTrail>;
  auth(): Promise<AuthService>;
  close(): Promise<void>;
}

/**
 * Opens the data directory for an admin command. A running server holds LevelDB's lock, so it
 * is refused with a pointer to the REST API. `mustExist`: fail instead of creating an empty
 * data directory (reading commands).
 */
export async function openAdminStore(command: string, flags: GlobalFlags, env: NodeJS.ProcessEnv, o: { mustExist?: boolean } = {}): Promise<AdminStore> {
  const config = await resolveConfig(flags, env);
  if (readServerFile(config.dataDir)) {
    throw new TroupeError('STORE_LOCKED', `a server owns ${config.dataDir}`, { details: { hint: `stop it first, or use the REST API (${command === 'audit' ? 'GET /api/v1/audit' : 'the /api/v1 auth routes'})` } });
  }
  if (o.mustExist && !existsSync(join(config.dataDir, 'db'))) {
    throw new TroupeError('NOT_FOUND', `no Troupe data in ${config.dataDir}`, { details: { hint: 'pass --data DIR (or TROUPE_DATA_DIR) to name the data directory' } });
  }
  const { openDatabase } = await import('../store/database.ts');
  const db = await openDatabase(config.dataDir);
  let trail: AuditTrail | undefined;
  let auditDb: Promise<Database> | undefined;
  // The audit trail's own database, with a trail an earlier version kept in the main one moved
  // there first. A short-lived command writes it inline; no audit thread is started.
  const openAuditDb = () =>
    (auditDb ??= (async () => {
      const [{ openAuditDatabase }, { moveAuditTrail }] = await Promise.all([import('../store/database.ts'), import('../store/move-audit-trail.ts')]);
      await moveAuditTrail(db, () => openAuditDatabase(config.dataDir));
      return openAuditDatabase(config.dataDir);
    })());
  async function openTrail(): Promise<AuditTrail> {
    if (!trail) {
      const [{ createAuditTrail }, { createLevelAuditStore }] = await Promise.all([import('../audit/create-audit-trail.ts'), import('../store/level-audit-store.ts')]);
      trail = await createAuditTrail({ store: createLevelAuditStore(await openAuditDb()), onFailure: config.audit.onFailure, retentionDays: 0 });
    }
    return trail;
  }
  return {
    db,
    auditDb: openAuditDb,
    trail: openTrail,
    async auth() {
      const [{ createAuthService }, { createLevelAuthStore }] = await Promise.all([import('../auth/index.ts'), import('../store/level-auth-store.ts')]);
      return createAuthService({ store: createLevelAuthStore(db), config, audit: await openTrail() });
    },
    async close() {
      if (trail) {
        // close() flushes again and reports entries it cannot write; this earlier flush only
        // gives the write a head start, so its failure adds nothing.
        await trail.flush().catch(() => undefined);
        await trail.close();
      }
      if (auditDb) await (await auditDb).close();
      await db.close();
    },
  };
}
