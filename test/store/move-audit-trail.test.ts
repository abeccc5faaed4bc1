import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuditTrail } from '../../src/audit/index.ts';
import { defaultConfig } from '../../src/config.ts';
import { createMemoryLogger } from '../../src/core/index.ts';
import { openEngine } from '../../src/engine.ts';
import { openAuditDatabase, openDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/database.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';
import { AUDIT_SUBLEVELS, moveAuditTrail } from '../../src/store/move-audit-trail.ts';
import { dumpDb } from '../_support/audit-fixtures.ts';

const s = suite('moveAuditTrail');
let dir = '';
s.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-move-'));
});
s.after.each(() => rmSync(dir, { recursive: true, force: true }));

const quiet = () => {};

/** A trail as earlier versions kept it: in the main database's audit sublevels. */
async function oldTrail(db: Database, count: number): Promise<void> {
  const trail = await createAuditTrail({ store: createLevelAuditStore(db), retentionDays: 0, logger: quiet });
  for (let i = 0; i < count; i++) trail.record({ category: 'dag', action: 'dag_update', resource_id: `d${i}` });
  await trail.close();
}

const rowsIn = async (db: Database) => (await dumpDb(db)).split('\n').filter((l) => AUDIT_SUBLEVELS.some((n) => l.startsWith(`!${n}!`))).length;

s('moves every row byte for byte, leaves the main database without them, and the chain goes on', async () => {
  const main = await openDatabase(dir);
  await oldTrail(main, 2500);
  const before = await dumpDb(main);
  const move = await moveAuditTrail(main, () => openAuditDatabase(dir));
  assert.ok(move.moved > 2500, `rows moved: ${move.moved}`);
  assert.is(await rowsIn(main), 0);
  await main.close();

  const audit = await openAuditDatabase(dir);
  try {
    const after = await dumpDb(audit);
    // Every old row is there unchanged (plus the move's own marker).
    for (const line of before.split('\n').filter((l) => AUDIT_SUBLEVELS.some((n) => l.startsWith(`!${n}!`)))) assert.ok(after.includes(line), `row kept: ${line.slice(0, 60)}`);
    const trail = await createAuditTrail({ store: createLevelAuditStore(audit), retentionDays: 0, logger: quiet });
    assert.is((await trail.query({ action: 'dag_update' })).total, 2500);
    assert.is((await trail.recordDurable({ category: 'system', action: 'next' })).seq, 2501);
    assert.is((await trail.verify()).ok, true);
    await trail.close();
  } finally {
    await audit.close();
  }
});

s('nothing to move: the audit database is not even opened', async () => {
  const main = await openDatabase(dir);
  try {
    let opened = false;
    const move = await moveAuditTrail(main, async () => {
      opened = true;
      return openAuditDatabase(dir);
    });
    assert.equal(move, { moved: 0 });
    assert.is(opened, false);
  } finally {
    await main.close();
  }
});

s('a move that completed before a crash only finishes the removal; a trail already in the audit database is never overwritten', async () => {
  let main = await openDatabase(dir);
  await oldTrail(main, 10);
  // Move, then leave old rows in the main database as a crash between the copy (marked done)
  // and the removal would have.
  await moveAuditTrail(main, () => openAuditDatabase(dir));
  await main.close();
  main = await openDatabase(dir);
  await oldTrail(main, 3);
  assert.ok((await rowsIn(main)) > 0);
  const again = await moveAuditTrail(main, () => openAuditDatabase(dir));
  assert.equal(again, { moved: 0 });
  assert.is(await rowsIn(main), 0);
  await main.close();

  // A trail written in the audit database (no marker: not a move) and old rows in the main one.
  rmSync(join(dir, 'audit'), { recursive: true, force: true });
  main = await openDatabase(dir);
  await oldTrail(main, 4);
  const fresh = await openAuditDatabase(dir);
  const t = await createAuditTrail({ store: createLevelAuditStore(fresh), retentionDays: 0, logger: quiet });
  await t.recordDurable({ category: 'system', action: 'fresh' });
  await t.close();
  await fresh.close();
  const kept = await moveAuditTrail(main, () => openAuditDatabase(dir));
  assert.is(kept.moved, 0);
  assert.match(kept.kept ?? '', /already holds a trail/);
  assert.ok((await rowsIn(main)) > 0, 'the old rows stay where they are');
  await main.close();
});

s('an engine opened on a data directory of an earlier version finds its old trail, on the audit thread', async () => {
  const config = { ...defaultConfig(dir), dataDir: join(dir, 'data'), dagsDir: join(dir, 'dags') };
  mkdirSync(config.dagsDir, { recursive: true });
  const main = await openDatabase(config.dataDir);
  await oldTrail(main, 7);
  await main.close();
  const logger = createMemoryLogger();
  const engine = await openEngine(config, { logger });
  try {
    assert.is((await engine.audit.query({ action: 'dag_update' })).total, 7);
    assert.is((await engine.audit.verify()).ok, true);
    assert.ok(logger.lines.some((e) => e.msg === 'audit trail moved to its own database'), JSON.stringify(logger.lines.map((e) => e.msg)));
  } finally {
    await engine.close();
  }
});

s.run();
