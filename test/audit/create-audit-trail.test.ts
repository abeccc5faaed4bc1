import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createAuditTrail } from '../../src/audit/index.ts';
import type { AuditEntry } from '../../src/audit/index.ts';
import { runWithContext, isTroupeError } from '../../src/core/index.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';
import { openAuditDatabase } from '../../src/store/database.ts';
import { dumpDb, fullContext, manualClock, tempDb } from '../_support/audit-fixtures.ts';
import { trailContract } from './trail-contract.ts';

const s = suite('createAuditTrail');
const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const quiet = () => {};

s('fills every field from the seeded request context, without passing it down', async () => {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), clock: manualClock(T0), logger: quiet });
    const written = await runWithContext(fullContext(), () =>
      trail.recordDurable({ category: 'mcp', action: 'mcp.tool_call.succeeded', result: 'succeeded', resource_type: 'dag', resource_id: 'nightly', details: { duration_ms: 12 } }),
    );
    const { entries } = await trail.query({ correlation_id: 'corr-1' });
    assert.is(entries.length, 1);
    const e = entries[0]!;
    assert.equal(e, written);
    for (const [field, value] of Object.entries(e)) {
      if (field === 'details') continue;
      assert.ok(value !== '' && value !== undefined, `field ${field} is filled`);
    }
    assert.is(e.timestamp, '2025-03-01T12:00:00.000Z');
    assert.is(e.source, 'mcp');
    assert.is(e.surface, 'mcp');
    assert.is(e.request_id, 'req-1');
    assert.is(e.session_id, 'sess-1');
    assert.is(e.workspace, 'team-a');
    assert.is(e.credential_id, 'key-7');
    assert.is(e.credential_type, 'api_key');
    assert.is(e.mcp_tool, 'dagu_execute');
    assert.is(e.user_id, 'u-42');
    assert.is(e.username, 'ada');
    assert.is(e.ip_address, '127.0.0.1');
    assert.is(e.seq, 1);
    assert.is(e.prev_hash, '0'.repeat(64));
    assert.match(e.hash, /^[0-9a-f]{64}$/);
    // Source-context fields without a column of their own land in details.
    assert.equal(e.details, { client_name: 'inspector', client_version: '0.15.0', duration_ms: 12, mcp_action: 'start', transport: 'streamable_http' });
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('an explicit origin wins over the context; no context leaves the fields empty', async () => {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), logger: quiet });
    await runWithContext(fullContext(), () =>
      trail.recordDurable({ category: 'dag', action: 'dag_run_finished', origin: { source: 'rest', surface: 'rest_api', correlationId: 'corr-run' } }),
    );
    const bare = await trail.recordDurable({ category: 'system', action: 'boot' });
    const [fromOrigin] = (await trail.query({ action: 'dag_run_finished' })).entries;
    assert.is(fromOrigin!.source, 'rest');
    assert.is(fromOrigin!.correlation_id, 'corr-run');
    assert.is(fromOrigin!.user_id, '');
    assert.is(bare.source, '');
    assert.is(bare.correlation_id, '');
    assert.is(bare.workspace, '');
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('never stores parameter values, spec bodies, secrets or tokens; keeps key names and byte counts', async () => {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), logger: quiet });
    const spec = 'steps:\n  - command: echo spec-body-marker\n';
    await runWithContext(fullContext(), async () => {
      trail.record({
        category: 'dag',
        action: 'dag_execute',
        details: {
          params: { DB_PASSWORD: 'param-value-marker', REGION: 'eu-marker' },
          spec,
          token: 'token-marker',
          nested: { authorization: 'Bearer auth-marker', api_key: 'key-marker', keep: 'visible' },
          list: [{ client_secret: 'secret-marker' }],
        },
      });
      await trail.flush();
    });
    const raw = await dumpDb(t.db, '!audit');
    assert.ok(raw.length > 0);
    for (const marker of ['param-value-marker', 'eu-marker', 'spec-body-marker', 'token-marker', 'auth-marker', 'key-marker', 'secret-marker']) {
      assert.not.ok(raw.includes(marker), `${marker} must not be stored`);
    }
    const [e] = (await trail.query({ action: 'dag_execute' })).entries;
    assert.equal(e!.details.params_keys, ['DB_PASSWORD', 'REGION']);
    assert.is(e!.details.spec_bytes, Buffer.byteLength(spec));
    assert.equal(e!.details.nested, { keep: 'visible' });
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('record() batches; seq is gap-free across batches and reopenings; flush() makes everything durable', async () => {
  const t = await tempDb();
  try {
    let trail = await createAuditTrail({ store: createLevelAuditStore(t.db), batchMs: 5, maxBatch: 7, logger: quiet });
    for (let i = 0; i < 40; i++) trail.record({ category: 'system', action: `a${i}` });
    await trail.flush();
    assert.is((await trail.query({})).total, 40);
    await trail.close();
    trail = await createAuditTrail({ store: createLevelAuditStore(t.db), logger: quiet });
    const next = await trail.recordDurable({ category: 'system', action: 'after-reopen' });
    assert.is(next.seq, 41, 'seq continues after reopening');
    const v = await trail.verify();
    assert.equal(v, { ok: true, checked: 41 });
    const page = await trail.query({ limit: 500 });
    assert.equal(
      page.entries.map((e) => e.seq),
      Array.from({ length: 41 }, (_, i) => 41 - i),
    );
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('recordDurable does not wait out the batch window: it closes the open batch, earlier entries included', async () => {
  const t = await tempDb();
  try {
    // A window far longer than the test may take: only the durable entry can end it.
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), batchMs: 600_000, logger: quiet });
    trail.record({ category: 'system', action: 'plain-before' });
    const started = Date.now();
    const durable = await trail.recordDurable({ category: 'system', action: 'durable' });
    assert.ok(Date.now() - started < 5_000, 'acknowledged after one write, not after the window');
    assert.is(durable.seq, 2);
    // The plain entry recorded before it went in the same write, in order.
    assert.equal((await trail.query({})).entries.map((e) => e.action), ['durable', 'plain-before']);
    trail.record({ category: 'system', action: 'plain-after' });
    assert.is((await trail.query({})).total, 2, 'a plain entry waits for its window');
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('tail$ emits written entries that match the filter, in order', async () => {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), logger: quiet });
    const got = firstValueFrom(trail.tail$({ category: 'dag', result: 'succeeded' }).pipe(take(2), toArray()));
    trail.record({ category: 'dag', action: 'dag_execute', result: 'succeeded' });
    trail.record({ category: 'mcp', action: 'mcp.tool_call.succeeded', result: 'succeeded' });
    trail.record({ category: 'dag', action: 'dag_enqueue', result: 'failed' });
    trail.record({ category: 'dag', action: 'dag_retry', result: 'succeeded' });
    const entries = await got;
    assert.equal(
      entries.map((e: AuditEntry) => [e.action, e.seq]),
      [
        ['dag_execute', 1],
        ['dag_retry', 4],
      ],
    );
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('fail_closed: a broken store refuses state changes, reads go on, held entries are written on recovery', async () => {
  const t = await tempDb();
  const logs: string[] = [];
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), retryMs: 20, logger: (m) => logs.push(m) });
    await trail.recordDurable({ category: 'system', action: 'before' });
    await trail.assertWritable();
    // Break the store for real: the underlying LevelDB is closed under the trail.
    await t.db.close();
    const refused = await trail.assertWritable().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isTroupeError(refused) && refused.code === 'AUDIT_UNAVAILABLE', 'assertWritable refuses');
    const durable = await trail.recordDurable({ category: 'dag', action: 'during-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isTroupeError(durable) && durable.code === 'AUDIT_UNAVAILABLE', 'recordDurable refuses');
    trail.record({ category: 'dag', action: 'during-2' });
    const flushed = await trail.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isTroupeError(flushed) && flushed.code === 'AUDIT_UNAVAILABLE', 'flush reports the held entries');
    assert.ok(logs.some((m) => m.includes('write failed')), 'the failure is reported on the logger');
    // Repair the store: the retry writes what was held, in order, and the trail is healthy again.
    await t.db.open();
    await trail.flush();
    await trail.assertWritable();
    const page = await trail.query({ limit: 10 });
    assert.equal(
      page.entries.map((e) => e.action).reverse(),
      ['before', 'during-1', 'during-2'],
    );
    assert.equal((await trail.verify()).ok, true);
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('fail_open: state changes proceed while the store is broken; the failure is logged, nothing is lost', async () => {
  const t = await tempDb();
  const logs: string[] = [];
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), onFailure: 'fail_open', retryMs: 20, logger: (m) => logs.push(m) });
    await t.db.close();
    await trail.assertWritable();
    const placeholder = await trail.recordDurable({ category: 'dag', action: 'dag_execute' });
    assert.is(placeholder.seq, 0, 'not yet sealed');
    assert.ok(logs.length > 0);
    await t.db.open();
    await trail.flush();
    const { entries, total } = await trail.query({ action: 'dag_execute' });
    assert.is(total, 1);
    assert.is(entries[0]!.seq, 1);
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('a write failing behind one that succeeded: the next chunk, already sealed, is kept and written in order later', async () => {
  const t = await tempDb();
  try {
    // The real store; the database is closed for real as soon as the first write has landed,
    // while the writer has already sealed the next chunk of the queue.
    const level = createLevelAuditStore(t.db);
    let appends = 0;
    const store = {
      ...level,
      append: async (list: Parameters<typeof level.append>[0]) => {
        await level.append(list);
        if (++appends === 1) await t.db.close();
      },
    };
    const trail = await createAuditTrail({ store, maxBatch: 50, maxWrite: 200, retryMs: 10_000, logger: quiet });
    for (let i = 1; i <= 1000; i++) trail.record({ category: 'system', action: `e${i}` });
    const failed = await trail.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isTroupeError(failed) && failed.code === 'AUDIT_UNAVAILABLE', 'flush reports the held entries');
    await t.db.open();
    await trail.flush();
    const page = await trail.query({ limit: 500 });
    assert.is(page.total, 1000);
    assert.equal(
      page.entries.map((e) => [e.seq, e.action]),
      Array.from({ length: 500 }, (_, i) => [1000 - i, `e${1000 - i}`]),
    );
    assert.equal(await trail.verify(), { ok: true, checked: 1000 });
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('a full retained buffer counts the overflow and writes it as audit_entries_lost', async () => {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), maxRetained: 3, retryMs: 10_000, logger: quiet });
    await t.db.close();
    trail.record({ category: 'dag', action: 'x1' });
    await trail.flush().catch(() => {});
    for (let i = 2; i <= 6; i++) trail.record({ category: 'dag', action: `x${i}` });
    await trail.flush().catch(() => {});
    await t.db.open();
    await trail.flush();
    const actions = (await trail.query({})).entries.map((e) => e.action).reverse();
    assert.equal(actions, ['x1', 'x2', 'x3', 'audit_entries_lost']);
    const [lost] = (await trail.query({ action: 'audit_entries_lost' })).entries;
    assert.is(lost!.details.count, 3);
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('retention: purge removes entries older than the window, writes one audit_cleanup, and the chain still verifies', async () => {
  const t = await tempDb();
  try {
    const clock = manualClock(T0);
    const day = 24 * 3600 * 1000;
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), clock, retentionDays: 7, logger: quiet });
    for (let d = 10; d >= 0; d--) await trail.recordDurable({ category: 'dag', action: 'dag_execute', at: T0 - d * day });
    const removed = await trail.purge(T0);
    // Days 10, 9 and 8 ago are outside a 7-day window (day 7 is exactly at the cutoff and stays).
    assert.is(removed, 3);
    const cleanups = await trail.query({ action: 'audit_cleanup' });
    assert.is(cleanups.total, 1);
    const c = cleanups.entries[0]!;
    assert.is(c.category, 'system');
    assert.is(c.username, 'system');
    assert.is(c.details.entries_removed, 3);
    assert.is(c.details.retention_days, 7);
    assert.is(c.details.purged_from, new Date(T0 - 10 * day).toISOString());
    assert.is(c.details.purged_to, new Date(T0 - 8 * day).toISOString());
    assert.is((await trail.query({ action: 'dag_execute' })).total, 8);
    assert.equal(await trail.verify(), { ok: true, checked: 9 });
    assert.is(await trail.purge(T0), 0, 'nothing more to purge');
    assert.is((await trail.query({ action: 'audit_cleanup' })).total, 1, 'no cleanup entry when nothing was removed');
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('retention runs at open; retention_days 0 keeps everything', async () => {
  const t = await tempDb();
  try {
    const day = 24 * 3600 * 1000;
    let trail = await createAuditTrail({ store: createLevelAuditStore(t.db), clock: manualClock(T0), retentionDays: 0, logger: quiet });
    await trail.recordDurable({ category: 'dag', action: 'old', at: T0 - 30 * day });
    assert.is(await trail.purge(T0), 0);
    await trail.close();
    trail = await createAuditTrail({ store: createLevelAuditStore(t.db), clock: manualClock(T0), retentionDays: 7, logger: quiet });
    assert.is((await trail.query({ action: 'old' })).total, 0, 'purged at open');
    assert.is((await trail.query({ action: 'audit_cleanup' })).total, 1);
    assert.is((await trail.verify()).ok, true);
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s('query validates its input: bad times and cursors are INVALID_INPUT, limit is clamped', async () => {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), logger: quiet });
    for (let i = 0; i < 3; i++) trail.record({ category: 'system', action: 'x' });
    await trail.flush();
    for (const bad of [{ start_time: 'yesterday' }, { cursor: 'not-a-cursor' }]) {
      const e = await trail.query(bad).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(isTroupeError(e) && e.code === 'INVALID_INPUT', JSON.stringify(bad));
    }
    assert.is((await trail.query({ limit: 0 })).entries.length, 1, 'limit below 1 becomes 1');
    assert.is((await trail.query({ limit: 100_000 })).entries.length, 3);
    await trail.close();
  } finally {
    await t.cleanup();
  }
});

s.run();

// The contract both trails keep (test/audit/threaded-audit-trail.test.ts runs it on the thread).
trailContract('in-process', async (dir, { clock, retentionDays }) => {
  const db = await openAuditDatabase(dir);
  const trail = await createAuditTrail({ store: createLevelAuditStore(db), clock, retentionDays, logger: quiet });
  return {
    trail,
    async close() {
      await trail.close();
      await db.close();
    },
  };
});
