import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuditTrail } from '../../src/audit/index.ts';
import type { AuditEntry, AuditTrail } from '../../src/audit/index.ts';
import type { Database } from '../../src/store/database.ts';
import { manualClock, tempDb } from '../_support/audit-fixtures.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';

const s = suite('verifyChain');
const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const DAY = 24 * 3600 * 1000;

// Tampering goes straight to LevelDB, as someone with access to the data directory would.
const entriesOf = (db: Database) => db.sublevel<string, AuditEntry>('audit', { valueEncoding: 'json' });
const metaOf = (db: Database) => db.sublevel<string, unknown>('audit-meta', { valueEncoding: 'json' });
const key = (seq: number) => String(seq).padStart(16, '0');

async function withTrail(fn: (trail: AuditTrail, db: Database) => Promise<void>, entries = 10): Promise<void> {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), clock: manualClock(T0), retentionDays: 0, logger: () => {} });
    for (let i = 1; i <= entries; i++) trail.record({ category: 'dag', action: `a${i}`, details: { n: i } });
    await trail.flush();
    await fn(trail, t.db);
    await trail.close();
  } finally {
    await t.cleanup();
  }
}

s('an untouched chain verifies', () =>
  withTrail(async (trail) => {
    assert.equal(await trail.verify(), { ok: true, checked: 10 });
  }));

s('an edited entry is named by its seq', () =>
  withTrail(async (trail, db) => {
    const e = (await entriesOf(db).get(key(4)))!;
    await entriesOf(db).put(key(4), { ...e, details: { n: 400 } });
    const v = await trail.verify();
    assert.is(v.ok, false);
    assert.is(v.firstBadSeq, 4);
    assert.match(v.reason!, /altered/);
    assert.is(v.checked, 3);
  }));

s('an edited entry with a recomputed hash breaks the link of its successor', () =>
  withTrail(async (trail, db) => {
    const { entryHash } = await import('../../src/audit/index.ts');
    const e = (await entriesOf(db).get(key(6)))!;
    const forged = { ...e, username: 'mallory' };
    forged.hash = entryHash(forged);
    await entriesOf(db).put(key(6), forged);
    const v = await trail.verify();
    assert.is(v.firstBadSeq, 7);
    assert.match(v.reason!, /link/);
  }));

s('a deleted entry in the middle is named by the missing seq', () =>
  withTrail(async (trail, db) => {
    await entriesOf(db).del(key(5));
    const v = await trail.verify();
    assert.is(v.ok, false);
    assert.is(v.firstBadSeq, 5);
    assert.match(v.reason!, /missing/);
  }));

s('deleted newest entries are caught by the recorded head', () =>
  withTrail(async (trail, db) => {
    await entriesOf(db).del(key(10));
    await entriesOf(db).del(key(9));
    const v = await trail.verify();
    assert.is(v.firstBadSeq, 9);
  }));

s('a deleted oldest entry is caught (no checkpoint vouches for it)', () =>
  withTrail(async (trail, db) => {
    await entriesOf(db).del(key(1));
    assert.is((await trail.verify()).firstBadSeq, 1);
  }));

s('after a purge the chain verifies from the checkpoint, and a forged checkpoint is caught', async () => {
  const t = await tempDb();
  try {
    const clock = manualClock(T0);
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), clock, retentionDays: 1, logger: () => {} });
    for (let i = 0; i < 6; i++) await trail.recordDurable({ category: 'dag', action: 'x', at: T0 - (5 - i) * DAY });
    assert.is(await trail.purge(T0), 4);
    assert.equal(await trail.verify(), { ok: true, checked: 3 });
    // Someone deletes one more old entry and moves the checkpoint to hide it.
    const e5 = (await entriesOf(t.db).get(key(5)))!;
    await entriesOf(t.db).del(key(5));
    await metaOf(t.db).put('checkpoint', { seq: 5, hash: e5.hash });
    const v = await trail.verify();
    assert.is(v.ok, false);
    assert.is(v.firstBadSeq, 6);
    assert.match(v.reason!, /checkpoint/);
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('verify walks large chains in chunks', () =>
  withTrail(async (trail) => {
    assert.equal(await trail.verify(), { ok: true, checked: 2500 });
  }, 2500));

s.run();
