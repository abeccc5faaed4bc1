import { createMemoryLogger } from '../../src/core/index.ts';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../src/actors/index.ts';
import type { Runtime, RuntimeOptions } from '../../src/actors/index.ts';
import { openDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/database.ts';
import { createLevelRunStore } from '../../src/store/level-run-store.ts';
import { createDagDirStore } from '../../src/store/dag-dir.ts';

export interface TestEngine {
  dir: string;
  dataDir: string;
  dagsDir: string;
  db: Database;
  runtime: Runtime;
  writeDag(name: string, yaml: string): void;
  /** Closes the runtime and the db (the directory stays, for reopening). */
  shutdown(): Promise<void>;
  /** Shuts down and removes the directory. */
  close(): Promise<void>;
}

/** A real runtime on a real LevelDB in a fresh temp directory. */
export async function createTestEngine(options: Partial<RuntimeOptions> & { dir?: string } = {}): Promise<TestEngine> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'troupe-test-'));
  const dataDir = join(dir, 'data');
  const dagsDir = join(dir, 'dags');
  mkdirSync(dagsDir, { recursive: true });
  const db = await openDatabase(dataDir);
  const runtime = await createRuntime({
    runStore: createLevelRunStore(db),
    dagStore: createDagDirStore(dagsDir),
    dataDir,
    killGraceMs: 500,
    // Steps fork from the test process: a helper costs a Node start per engine (the executor
    // contract suite and the crash tests cover the helper).
    launcher: 'direct',
    logger: createMemoryLogger(),
    ...options,
  });
  let down = false;
  const shutdown = async () => {
    if (down) return;
    down = true;
    await runtime.close();
    await db.close();
  };
  return {
    dir,
    dataDir,
    dagsDir,
    db,
    runtime,
    writeDag: (name, yaml) => writeFileSync(join(dagsDir, `${name}.yaml`), yaml),
    shutdown,
    close: async () => {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `fn` returns a truthy value, polling every 20 ms, or fails after `ms`. */
export async function until<T>(fn: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
