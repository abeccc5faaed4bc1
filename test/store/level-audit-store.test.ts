import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuditTrail } from '../../src/audit/index.ts';
import type { AuditEntry, AuditFilter, AuditTrail } from '../../src/audit/index.ts';
import { runWithContext } from '../../src/core/index.ts';
import type { OperationContext } from '../../src/core/index.ts';
import { decodePostings, encodePostings } from '../../src/store/level-audit-store.ts';
import { fullContext, tempDb } from '../_support/audit-fixtures.ts';
import type { TempDb } from '../_support/audit-fixtures.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';

interface Ctx {
  t?: TempDb;
  trail?: AuditTrail;
  /** Everything written, for computing the expected answer of each query by brute force. */
  all: AuditEntry[];
}
const s = suite<Ctx>('level audit store: queries', { all: [] });
const T0 = Date.parse('2025-05-01T00:00:00.000Z');
const MIN = 60_000;

// 120 entries over two hours with mixed attribution, so every indexed field has several values.
s.before(async (ctx) => {
  ctx.t = await tempDb();
  ctx.trail = await createAuditTrail({ store: createLevelAuditStore(ctx.t.db), retentionDays: 0, logger: () => {} });
  const sources: Array<Pick<OperationContext, 'source' | 'surface'>> = [
    { source: 'mcp', surface: 'mcp' },
    { source: 'rest', surface: 'rest_api' },
    { source: 'cli', surface: 'cli' },
  ];
  for (let i = 0; i < 120; i++) {
    const ctxFields = fullContext({
      ...sources[i % 3]!,
      correlationId: `corr-${i % 10}`,
      requestId: `req-${i}`,
      sessionId: `sess-${i % 4}`,
      workspace: i % 2 ? 'team-a' : 'team-b',
      credential: { type: i % 5 ? 'api_key' : 'session', id: `key-${i % 3}` },
      subject: { userId: `u-${i % 6}`, username: `user${i % 6}`, role: 'operator' },
      ipAddress: `10.0.0.${i % 7}`,
      mcpTool: ['dagu_read', 'dagu_change', 'dagu_execute'][i % 3]!,
    });
    // Timestamps are not in seq order everywhere: every 9th entry is stamped 30 minutes back.
    const at = T0 + i * MIN - (i % 9 === 0 ? 30 * MIN : 0);
    const e = await runWithContext(ctxFields, () =>
      ctx.trail!.recordDurable({
        category: i % 4 === 0 ? 'mcp' : 'dag',
        action: ['dag_execute', 'dag_enqueue', 'dag_retry', 'mcp.tool_call.succeeded', 'dag_update'][i % 5]!,
        result: ['succeeded', 'failed', 'denied'][i % 3] as 'succeeded',
        resource_type: i % 2 ? 'dag' : 'dag_run',
        resource_id: `dag-${i % 8}`,
        at,
      }),
    );
    ctx.all.push(e);
  }
});
s.after(async (ctx) => {
  await ctx.trail?.close();
  await ctx.t?.cleanup();
});

// Newest first means the order entries were recorded: seq descending.
const newestFirst = (a: AuditEntry, b: AuditEntry) => b.seq - a.seq;

function expected(all: AuditEntry[], f: AuditFilter): AuditEntry[] {
  const start = f.start_time === undefined ? undefined : new Date(f.start_time).toISOString();
  const end = f.end_time === undefined ? undefined : new Date(f.end_time).toISOString();
  return all
    .filter((e) => {
      for (const [k, v] of Object.entries(f)) {
        if (k === 'start_time' || k === 'end_time' || k === 'limit' || k === 'offset' || k === 'cursor') continue;
        if (e[k as keyof AuditEntry] !== v) return false;
      }
      return (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp <= end);
    })
    .sort(newestFirst);
}

const table: Array<[string, AuditFilter]> = [
  ['no filter', {}],
  ['category', { category: 'mcp' }],
  ['action', { action: 'dag_retry' }],
  ['source', { source: 'rest' }],
  ['surface', { surface: 'cli' }],
  ['result', { result: 'denied' }],
  ['correlation_id', { correlation_id: 'corr-3' }],
  ['request_id (not indexed)', { request_id: 'req-17' }],
  ['session_id (not indexed)', { session_id: 'sess-2' }],
  ['resource_type', { resource_type: 'dag_run' }],
  ['resource_id', { resource_id: 'dag-5' }],
  ['workspace', { workspace: 'team-a' }],
  ['credential_id', { credential_id: 'key-1' }],
  ['credential_type (not indexed)', { credential_type: 'session' }],
  ['mcp_tool', { mcp_tool: 'dagu_change' }],
  ['user_id', { user_id: 'u-4' }],
  ['ip_address (not indexed)', { ip_address: '10.0.0.3' }],
  ['two fields', { category: 'dag', source: 'mcp' }],
  ['three fields', { correlation_id: 'corr-2', workspace: 'team-b', result: 'failed' }],
  ['no match', { correlation_id: 'corr-3', action: 'dag_update', user_id: 'u-5' }],
  ['unknown value', { action: 'nope' }],
  ['time range', { start_time: '2025-05-01T00:30:00.000Z', end_time: T0 + 60 * MIN }],
  ['time range and field', { mcp_tool: 'dagu_read', start_time: T0 + 10 * MIN, end_time: '2025-05-01T01:10:00Z' }],
  ['time range, two fields', { source: 'cli', result: 'succeeded', start_time: T0 }],
  ['only end', { end_time: T0 + 5 * MIN }],
  ['exact instant is inclusive', { start_time: T0 + 50 * MIN, end_time: T0 + 50 * MIN }],
];

for (const [name, filter] of table) {
  s(`filter: ${name}`, async (ctx) => {
    const want = expected(ctx.all, filter);
    const page = await ctx.trail!.query({ ...filter, limit: 500 });
    assert.is(page.total, want.length, 'total');
    assert.equal(
      page.entries.map((e) => e.seq),
      want.map((e) => e.seq),
      'entries, newest first',
    );
    assert.is(page.next_cursor, undefined);
  });
}

s('table covers single, multi-field, empty and time-bounded answers', (ctx) => {
  const sizes = table.map(([, f]) => expected(ctx.all, f).length);
  assert.ok(sizes.includes(0) && sizes.includes(1) && sizes.includes(120) && sizes.some((n) => n > 1 && n < 120));
});

s('limit defaults to 50; offset pages; total ignores both', async (ctx) => {
  const want = expected(ctx.all, {});
  const first = await ctx.trail!.query({});
  assert.is(first.entries.length, 50);
  assert.is(first.total, 120);
  const third = await ctx.trail!.query({ offset: 100 });
  assert.equal(
    third.entries.map((e) => e.seq),
    want.slice(100).map((e) => e.seq),
  );
  assert.is(third.total, 120);
  const past = await ctx.trail!.query({ offset: 500 });
  assert.equal(past.entries, []);
  assert.is(past.total, 120);
});

for (const [name, filter] of [
  ['index only', { workspace: 'team-a' }],
  ['index and residual', { source: 'mcp', category: 'dag' }],
  ['time index', {}],
  ['time-bounded', { start_time: T0 + 20 * MIN }],
] as Array<[string, AuditFilter]>) {
  s(`cursor pages through every entry exactly once (${name})`, async (ctx) => {
    const want = expected(ctx.all, filter).map((e) => e.seq);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ctx.trail!.query({ ...filter, limit: 7, ...(cursor ? { cursor } : {}) });
      assert.is(page.total, want.length, 'total stays the same on every page');
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    assert.equal(seen, want);
    assert.is(pages, Math.max(1, Math.ceil(want.length / 7)));
  });
}

s('a cursor keeps its place while newer entries arrive', async (ctx) => {
  const first = await ctx.trail!.query({ category: 'mcp', limit: 5 });
  const e = await runWithContext(fullContext(), () => ctx.trail!.recordDurable({ category: 'mcp', action: 'late', at: T0 + 500 * MIN }));
  ctx.all.push(e);
  const second = await ctx.trail!.query({ category: 'mcp', limit: 5, cursor: first.next_cursor! });
  const want = expected(ctx.all, { category: 'mcp' });
  assert.equal(
    second.entries.map((x) => x.seq),
    want.slice(6, 11).map((x) => x.seq),
    'the page after the cursor is unchanged by the newer entry',
  );
  assert.is(second.total, want.length);
});

s.run();

// Large writes: many entries per LevelDB batch (coalesced), so posting blocks hold many entries,
// with timestamps out of seq order (negative deltas), and blocks in the earlier v1 encoding.
const big = suite<Ctx>('level audit store: large writes and block encodings', { all: [] });
const N = 3000;

big.before(async (ctx) => {
  ctx.t = await tempDb();
  ctx.trail = await createAuditTrail({ store: createLevelAuditStore(ctx.t.db), retentionDays: 0, maxBatch: 100, maxWrite: 1000, logger: () => {} });
  const written: AuditEntry[] = [];
  const sub = ctx.trail.tail$().subscribe((e) => written.push(e));
  for (let i = 0; i < N; i++) {
    const at = T0 + i * 1000 - (i % 11 === 0 ? 3_600_000 : 0) + (i % 7 === 0 ? 1 : 0);
    runWithContext(
      fullContext({ correlationId: `corr-${Math.floor(i / 4)}`, workspace: `ws-${i % 5}`, subject: { userId: `u-${i % 13}`, username: 'x', role: 'operator' } }),
      () => ctx.trail!.record({ category: i % 3 ? 'dag' : 'mcp', action: `a-${i % 4}`, result: i % 2 ? 'succeeded' : 'failed', resource_id: `r-${i % 97}`, at }),
    );
  }
  await ctx.trail.flush();
  sub.unsubscribe();
  ctx.all = written;
});
big.after(async (ctx) => {
  await ctx.trail?.close();
  await ctx.t?.cleanup();
});

const bigTable: Array<[string, AuditFilter]> = [
  ['everything', {}],
  ['correlation_id', { correlation_id: 'corr-321' }],
  ['resource_id and result', { resource_id: 'r-5', result: 'failed' }],
  ['user_id, time-bounded', { user_id: 'u-3', start_time: T0 + 500_000, end_time: T0 + 2_000_000 }],
  ['time only', { start_time: T0 + 100_000, end_time: T0 + 101_000 }],
  ['category, before the first entry', { category: 'mcp', end_time: T0 - 4_000_000 }],
];

async function checkTable(ctx: Ctx): Promise<void> {
  for (const [name, filter] of bigTable) {
    const want = expected(ctx.all, filter);
    const page = await ctx.trail!.query({ ...filter, limit: 500 });
    assert.is(page.total, want.length, `${name}: total`);
    assert.equal(
      page.entries.map((e) => e.seq),
      want.slice(0, 500).map((e) => e.seq),
      `${name}: entries`,
    );
  }
}

big('entries are written gap-free in batches larger than the batcher hands over', async (ctx) => {
  assert.equal(
    ctx.all.map((e) => e.seq),
    Array.from({ length: N }, (_, i) => i + 1),
  );
  const blocks = await ctx.t!.db.sublevel<string, string>('audit-idx', { valueEncoding: 'utf8' }).keys({ gte: '@time\0\0', lt: '@time\0\x01' }).all();
  assert.ok(blocks.length < N / 100, `${blocks.length} writes for ${N} entries: writes were coalesced`);
  assert.equal((await ctx.trail!.verify()).ok, true);
});

big('queries over multi-entry blocks match a brute-force answer', async (ctx) => {
  await checkTable(ctx);
});

big('blocks in the earlier v1 encoding ("seq.ms,..." in base 36) answer the same', async (ctx) => {
  const idx = ctx.t!.db.sublevel<string, string>('audit-idx', { valueEncoding: 'utf8' });
  const ops: Array<{ type: 'put'; key: string; value: string }> = [];
  for await (const [key, value] of idx.iterator()) {
    assert.ok(value.startsWith('~'), 'new blocks are v2');
    ops.push({ type: 'put', key, value: decodePostings(value).map((p) => `${p.seq.toString(36)}.${p.ms.toString(36)}`).join(',') });
  }
  await idx.batch(ops);
  await checkTable(ctx);
});

big('the v2 posting encoding round-trips gaps, equal and falling times', () => {
  const seqMs = [5, 1_700_000_000_000, 6, 1_700_000_000_000, 9, 1_699_999_000_000, 10, 1_700_000_000_123, 1000, 1_800_000_000_000];
  const text = encodePostings(seqMs);
  assert.ok(text.startsWith('~'));
  const back = decodePostings(text);
  assert.equal(back.flatMap((p) => [p.seq, p.ms]), seqMs);
});

big.run();
