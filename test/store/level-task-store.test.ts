import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/database.ts';
import { createLevelTaskStore } from '../../src/store/level-task-store.ts';
import { taskStoreContract } from '../mcp/task-store-contract.ts';

// Real LevelDB in a temp directory; `reopen` closes the database and opens it again.
taskStoreContract('level', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'troupe-task-store-'));
  let db: Database = await openDatabase(dir);
  return {
    store: createLevelTaskStore(db),
    async reopen() {
      await db.close();
      db = await openDatabase(dir);
      return createLevelTaskStore(db);
    },
    async dispose() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}, { persistent: true });
