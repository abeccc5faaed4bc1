import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { TroupeError } from '../core/index.ts';

/** The root database of a data directory. Owners take sublevels of it by name. */
export type Database = Level<string, unknown>;

/**
 * Opens the one LevelDB of a data directory (`<dataDir>/db`). LevelDB allows one process at a
 * time; a second opener gets `STORE_LOCKED` (the CLI then talks to the running server).
 * Note: a failed second open *in the same process* releases LevelDB's lock, so never open a
 * data directory twice in one process.
 */
export async function openDatabase(dataDir: string): Promise<Database> {
  const location = join(dataDir, 'db');
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
