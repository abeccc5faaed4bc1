import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { TroupeError } from '../core/index.ts';

/** The root database of a data directory. Owners take sublevels of it by name. */
export type Database = Level<string, unknown>;

/**
 * Opens the main LevelDB of a data directory (`<dataDir>/db`: runs, schedules, users, keys,
 * tasks). LevelDB allows one process at a time; a second opener gets `STORE_LOCKED` (the CLI
 * then talks to the running server).
 * Note: a failed second open *in the same process* releases LevelDB's lock, so never open a
 * data directory twice in one process.
 */
export function openDatabase(dataDir: string): Promise<Database> {
  return openLevel(dataDir, 'db');
}

/**
 * Opens the audit trail's own LevelDB (`<dataDir>/audit`), apart from the main one so that the
 * audit thread can own it (a LevelDB has one opener) and its compactions never stall run state.
 * Same errors as {@link openDatabase}.
 */
export function openAuditDatabase(dataDir: string): Promise<Database> {
  return openLevel(dataDir, 'audit');
}

async function openLevel(dataDir: string, name: string): Promise<Database> {
  const location = join(dataDir, name);
  try {
    mkdirSync(location, { recursive: true });
  } catch (cause) {
    throw new TroupeError('STORE_UNAVAILABLE', `cannot create the data directory ${dataDir}: ${(cause as Error).message}`, { cause });
  }
  const db = new Level<string, unknown>(location, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (cause) {
    const inner = (cause as { cause?: { code?: string; message?: string } }).cause;
    if (inner?.code === 'LEVEL_LOCKED' || /lock/i.test(inner?.message ?? '')) {
      throw new TroupeError('STORE_LOCKED', `the data directory ${dataDir} is in use by another Troupe process`, { cause });
    }
    throw new TroupeError('STORE_UNAVAILABLE', `cannot open the store in ${location}: ${inner?.message ?? (cause as Error).message}`, { cause });
  }
  return db;
}
