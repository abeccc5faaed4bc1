import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, OperationContext } from '../../src/core/index.ts';
import { openDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/database.ts';

/** A real LevelDB in a fresh temp directory. */
export interface TempDb {
  dir: string;
  db: Database;
  /** Closes the db (if open) and removes the directory. */
  cleanup(): Promise<void>;
}

export async function tempDb(): Promise<TempDb> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-audit-'));
  const db = await openDatabase(dir);
  return {
    dir,
    db,
    async cleanup() {
      if (db.status === 'open') await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock whose `now` moves only when told; timers are real but unref'd. */
export function manualClock(startMs: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = startMs;
  return {
    now: () => now,
    set: (ms) => void (now = ms),
    advance: (ms) => void (now += ms),
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}

/** An MCP request context with every attribution field set. */
export function fullContext(overrides: Partial<OperationContext> = {}): OperationContext {
  return {
    source: 'mcp',
    surface: 'mcp',
    transport: 'streamable_http',
    requestId: 'req-1',
    correlationId: 'corr-1',
    sessionId: 'sess-1',
    clientName: 'inspector',
    clientVersion: '0.15.0',
    workspace: 'team-a',
    credential: { type: 'api_key', id: 'key-7', name: 'ci' },
    subject: { userId: 'u-42', username: 'ada', role: 'operator' },
    ipAddress: '127.0.0.1',
    mcpTool: 'dagu_execute',
    mcpAction: 'start',
    ...overrides,
  };
}

/** Every key and value in the database as one string, for "this never reached the disk" checks. */
export async function dumpDb(db: Database, prefix = ''): Promise<string> {
  const parts: string[] = [];
  for await (const [key, value] of db.iterator({ valueEncoding: 'utf8' } as never) as AsyncIterable<[string, string]>) {
    if (key.startsWith(prefix)) parts.push(`${key}=${value}`);
  }
  return parts.join('\n');
}
