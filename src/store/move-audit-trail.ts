import type { AbstractSublevel } from 'abstract-level';
import type { Database } from './database.ts';

/** The sublevels of the audit trail's LevelDB layout (`createLevelAuditStore`). */
export const AUDIT_SUBLEVELS = ['audit', 'audit-idx', 'audit-meta'] as const;

type Raw = AbstractSublevel<Database, string | Buffer | Uint8Array, string, Buffer>;
const raw = (db: Database, name: string) => db.sublevel<string, Buffer>(name, { valueEncoding: 'buffer' }) as unknown as Raw;
const MARKER = 'moved-from-main';
const CHUNK = 1000;

async function isEmpty(db: Database): Promise<boolean> {
  for (const name of AUDIT_SUBLEVELS) {
    const keys = await raw(db, name).keys({ limit: 1 }).all();
    if (keys.length > 0) return false;
  }
  return true;
}

/** What {@link moveAuditTrail} did. */
export interface AuditMove {
  /** Rows copied (entries, index blocks, chain head and checkpoint). */
  moved: number;
  /** Set when old rows were found but left where they are, with the reason. */
  kept?: string;
}

/**
 * Moves an audit trail that earlier versions kept in the main database's `audit*` sublevels into
 * the audit database (`openAuditDatabase`), byte for byte, then removes it from the main one.
 * Nothing to do when the main database holds none. A crash midway is safe: the copy is marked
 * done in the same batch as its last rows, and only then is the old copy removed, so the next
 * open either copies again (the same keys, the same bytes) or finishes the removal. A trail
 * already written in the audit database is never overwritten: the old rows are then kept, and
 * `kept` says why.
 */
export async function moveAuditTrail(from: Database, openTarget: () => Promise<Database>): Promise<AuditMove> {
  if (await isEmpty(from)) return { moved: 0 };
  const to = await openTarget();
  try {
    const marker = raw(to, 'audit-move');
    const done = (await marker.get(MARKER)) !== undefined;
    if (!done) {
      const head = await raw(to, 'audit-meta').get('head');
      if (head !== undefined) return { moved: 0, kept: 'the audit database already holds a trail; the old one stays in the main database' };
      let moved = 0;
      let ops: Array<{ type: 'put'; sublevel: Raw; key: string; value: Buffer }> = [];
      // The meta rows (head, checkpoint) go last, with the marker: until they are there, the
      // copy is not a trail.
      for (const name of ['audit', 'audit-idx']) {
        const target = raw(to, name);
        for await (const [key, value] of raw(from, name).iterator()) {
          ops.push({ type: 'put', sublevel: target, key, value });
          if (ops.length >= CHUNK) {
            await to.batch(ops as never);
            moved += ops.length;
            ops = [];
          }
        }
      }
      const meta = raw(to, 'audit-meta');
      for await (const [key, value] of raw(from, 'audit-meta').iterator()) ops.push({ type: 'put', sublevel: meta, key, value });
      ops.push({ type: 'put', sublevel: marker, key: MARKER, value: Buffer.from(new Date().toISOString()) });
      await to.batch(ops as never);
      moved += ops.length - 1;
      for (const name of AUDIT_SUBLEVELS) await raw(from, name).clear();
      return { moved };
    }
    for (const name of AUDIT_SUBLEVELS) await raw(from, name).clear();
    return { moved: 0 };
  } finally {
    await to.close();
  }
}
