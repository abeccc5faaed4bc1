import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuditTrail } from '../../src/audit/index.ts';
import { isTroupeError } from '../../src/core/index.ts';
import { createThreadedAuditTrail } from '../../src/audit/threaded-audit-trail.ts';
import { spawnAuditThread, startAuditThread } from '../../src/start-audit-thread.ts';
import { openAuditDatabase } from '../../src/store/database.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';
import { trailContract } from './trail-contract.ts';

trailContract('audit thread', async (dir, { clock, retentionDays }) => {
  const trail = await startAuditThread({ dataDir: dir, onFailure: 'fail_closed', retentionDays }, { clock, logger: () => {} });
  return { trail, close: () => trail.close() };
});

const s = suite('createThreadedAuditTrail');
let dir = '';
s.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-thread-'));
});
s.after.each(() => rmSync(dir, { recursive: true, force: true }));

const root = new URL('../..', import.meta.url).pathname;
// A child process that records through the thread and then simply ends, without flush or close.
function childRecords(count: number): { status: number | null; stderr: string } {
  const script = `
    import { startAuditThread } from './src/start-audit-thread.ts';
    const trail = await startAuditThread({ dataDir: ${JSON.stringify(dir)}, onFailure: 'fail_closed', retentionDays: 0 }, { logger: (m) => console.error(m) });
    for (let i = 0; i < ${count}; i++) trail.record({ category: 'system', action: 'from_child', details: { i } });
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr };
}

s('a process that never closes the trail still exits by itself, and what it recorded is on disk', async () => {
  const r = childRecords(300);
  assert.is(r.status, 0, r.stderr);
  const db = await openAuditDatabase(dir);
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(db), retentionDays: 0, logger: () => {} });
    assert.is((await trail.query({ action: 'from_child' })).total, 300);
    assert.is((await trail.verify()).ok, true);
    await trail.close();
  } finally {
    await db.close();
  }
});

s('a thread that cannot open its database fails the start with the store error', async () => {
  const held = await openAuditDatabase(dir);
  try {
    const error = await startAuditThread({ dataDir: dir, onFailure: 'fail_closed', retentionDays: 0 }, { logger: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isTroupeError(error), `a TroupeError, got ${String(error)}`);
    assert.ok(['STORE_LOCKED', 'STORE_UNAVAILABLE'].includes((error as { code: string }).code), (error as Error).message);
  } finally {
    await held.close();
  }
});

for (const onFailure of ['fail_closed', 'fail_open'] as const) {
  s(`a thread that dies mid-way: nothing waits forever (${onFailure})`, async () => {
    const worker = await spawnAuditThread({ dataDir: dir, onFailure, retentionDays: 0 });
    const logs: string[] = [];
    const trail = await createThreadedAuditTrail({ worker, onFailure, retentionDays: 0, logger: (m) => logs.push(m) });
    await trail.recordDurable({ category: 'system', action: 'before' });
    // Entries waiting in an open batch when the thread goes, and calls after it.
    trail.record({ category: 'system', action: 'pending' });
    await worker.terminate();
    await new Promise((r) => setTimeout(r, 10));
    const outcome = await trail.recordDurable({ category: 'system', action: 'after' }).then(
      (e) => e,
      (e: unknown) => e,
    );
    const flushed = await trail.flush().then(
      () => 'ok',
      (e: unknown) => e,
    );
    const writable = await trail.assertWritable().then(
      () => 'ok',
      (e: unknown) => e,
    );
    if (onFailure === 'fail_closed') {
      assert.ok(isTroupeError(outcome) && outcome.code === 'AUDIT_UNAVAILABLE', String(outcome));
      assert.ok(isTroupeError(writable) && writable.code === 'AUDIT_UNAVAILABLE', String(writable));
    } else {
      assert.is((outcome as { seq: number }).seq, 0, 'not written, and said so by seq 0');
      assert.is(writable, 'ok');
    }
    assert.ok(isTroupeError(flushed) && flushed.code === 'AUDIT_UNAVAILABLE', String(flushed));
    assert.ok(logs.some((m) => /audit thread stopped/.test(m)), logs.join('\n'));
    // Still in the open batch: named; already handed over: counted.
    assert.ok(logs.some((m) => /\(pending\) not written|may not have been written/.test(m)), `the lost entry is reported: ${logs.join('\n')}`);
    await trail.close();
  });
}

s.run();
