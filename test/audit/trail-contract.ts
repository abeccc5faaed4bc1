// The audit trail's contract: one suite, run against both implementations of `AuditTrail` (the
// in-process `createAuditTrail` and `createThreadedAuditTrail` with its writer on the audit
// thread), each over a real LevelDB in a fresh data directory. Each adapter's test file calls
// `trailContract(name, open)`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditTrail } from '../../src/audit/index.ts';
import { isTroupeError, runWithContext } from '../../src/core/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { fullContext, manualClock } from '../_support/audit-fixtures.ts';

export interface TrailHarness {
  trail: AuditTrail;
  /** Closes the trail and whatever the factory opened for it (not the directory). */
  close(): Promise<void>;
}

/** Opens a trail on the data directory `dir` (its audit database: `<dir>/audit`). */
export type OpenTrail = (dir: string, options: { clock: Clock; retentionDays: number }) => Promise<TrailHarness>;

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const DAY = 24 * 3600 * 1000;

export function trailContract(name: string, open: OpenTrail): void {
  const s = suite(`audit trail contract: ${name}`);
  let dir = '';
  s.before.each(() => {
    dir = mkdtempSync(join(tmpdir(), 'troupe-trail-'));
  });
  s.after.each(() => rmSync(dir, { recursive: true, force: true }));

  s('a durable entry resolves with its place in the chain, attributed from the caller context', async () => {
    const h = await open(dir, { clock: manualClock(T0), retentionDays: 0 });
    try {
      const e = await runWithContext(fullContext(), () => h.trail.recordDurable({ category: 'mcp', action: 'mcp.tool_call.succeeded', result: 'succeeded', details: { duration_ms: 3 } }));
      assert.is(e.seq, 1);
      assert.is(e.prev_hash, '0'.repeat(64));
      assert.match(e.hash, /^[0-9a-f]{64}$/);
      assert.is(e.correlation_id, 'corr-1');
      assert.is(e.session_id, 'sess-1');
      assert.is(e.credential_id, 'key-7');
      assert.is(e.timestamp, '2025-03-01T12:00:00.000Z');
      const { entries, total } = await h.trail.query({ correlation_id: 'corr-1' });
      assert.is(total, 1);
      assert.equal(entries[0], e);
    } finally {
      await h.close();
    }
  });

  s('flush makes every entry recorded before it queryable, in recording order, and the chain verifies', async () => {
    const h = await open(dir, { clock: manualClock(T0), retentionDays: 0 });
    try {
      for (let i = 0; i < 250; i++) h.trail.record({ category: 'dag', action: 'dag_update', resource_id: `d${i}`, details: { i } });
      await h.trail.flush();
      const page = await h.trail.query({ action: 'dag_update', limit: 500 });
      assert.is(page.total, 250);
      // Newest first: seq descending, the order they were recorded.
      assert.equal(page.entries.map((e) => e.resource_id).slice(0, 3), ['d249', 'd248', 'd247']);
      assert.equal(page.entries.map((e) => e.seq), Array.from({ length: 250 }, (_, i) => 250 - i));
      const v = await h.trail.verify();
      assert.is(v.ok, true);
      assert.is(v.checked, 250);
    } finally {
      await h.close();
    }
  });

  s('tail$ sees written entries that match its filter, and stops when unsubscribed', async () => {
    const h = await open(dir, { clock: manualClock(T0), retentionDays: 0 });
    try {
      const seen = firstValueFrom(h.trail.tail$({ action: 'wanted' }).pipe(take(2), toArray()));
      // Give a watcher on another thread time to be told; what it misses is still queryable.
      await new Promise((r) => setTimeout(r, 20));
      h.trail.record({ category: 'system', action: 'other' });
      h.trail.record({ category: 'system', action: 'wanted', resource_id: 'a' });
      await h.trail.recordDurable({ category: 'system', action: 'wanted', resource_id: 'b' });
      const got = await seen;
      assert.equal(got.map((e) => e.resource_id), ['a', 'b']);
      assert.ok(got[0]!.seq < got[1]!.seq);
      assert.match(got[1]!.hash, /^[0-9a-f]{64}$/);
    } finally {
      await h.close();
    }
  });

  s('a reopened trail continues the chain where it ended', async () => {
    let h = await open(dir, { clock: manualClock(T0), retentionDays: 0 });
    const first = await h.trail.recordDurable({ category: 'system', action: 'one' });
    h.trail.record({ category: 'system', action: 'two' });
    await h.close();
    h = await open(dir, { clock: manualClock(T0), retentionDays: 0 });
    try {
      const third = await h.trail.recordDurable({ category: 'system', action: 'three' });
      assert.is(third.seq, first.seq + 2);
      const { entries } = await h.trail.query({});
      assert.equal(entries.map((e) => e.action), ['three', 'two', 'one']);
      assert.is(entries[0]!.prev_hash, entries[1]!.hash);
      assert.is((await h.trail.verify()).ok, true);
    } finally {
      await h.close();
    }
  });

  s('purge removes entries past retention on the injected clock and records the cleanup', async () => {
    const clock = manualClock(T0);
    let h = await open(dir, { clock, retentionDays: 7 });
    for (let i = 0; i < 5; i++) h.trail.record({ category: 'system', action: 'old' });
    await h.trail.flush();
    clock.set(T0 + 8 * DAY);
    await h.trail.recordDurable({ category: 'system', action: 'recent' });
    const removed = await h.trail.purge(clock.now());
    assert.is(removed, 5);
    const { entries } = await h.trail.query({});
    assert.equal(entries.map((e) => e.action), ['audit_cleanup', 'recent']);
    assert.is(entries[0]!.details['entries_removed'], 5);
    assert.is((await h.trail.verify()).ok, true);
    await h.close();
    // Opening purges too, on the same clock.
    clock.set(T0 + 16 * DAY);
    h = await open(dir, { clock, retentionDays: 7 });
    try {
      const after = await h.trail.query({});
      assert.equal(after.entries.map((e) => e.action), ['audit_cleanup']);
      assert.is((await h.trail.verify()).ok, true);
    } finally {
      await h.close();
    }
  });

  s('a bad query is a TroupeError with its code, not a crash', async () => {
    const h = await open(dir, { clock: manualClock(T0), retentionDays: 0 });
    try {
      const error = await h.trail.query({ cursor: 'not-a-cursor' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isTroupeError(error), 'a TroupeError');
      assert.is((error as { code: string }).code, 'INVALID_INPUT');
      // The trail still works.
      await h.trail.recordDurable({ category: 'system', action: 'after' });
      assert.is((await h.trail.query({ action: 'after' })).total, 1);
    } finally {
      await h.close();
    }
  });

  s('after close, entries are refused with AUDIT_UNAVAILABLE instead of hanging', async () => {
    const h = await open(dir, { clock: manualClock(T0), retentionDays: 0 });
    await h.close();
    const error = await h.trail.recordDurable({ category: 'system', action: 'late' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isTroupeError(error) && error.code === 'AUDIT_UNAVAILABLE', `AUDIT_UNAVAILABLE, got ${String(error)}`);
  });

  s.run();
}
