import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuditTrail } from '../../src/audit/index.ts';
import type { AuditEntry, AuditTrail } from '../../src/audit/index.ts';
import { auditQueryCommand, auditVerifyCommand } from '../../src/cli/audit-command.ts';
import type { AuditQueryFlags } from '../../src/cli/audit-command.ts';
import { captureIo } from './_io.ts';
import { runWithContext } from '../../src/core/index.ts';
import type { OperationContext } from '../../src/core/index.ts';
import type { Database } from '../../src/store/database.ts';
import { fullContext, tempDb } from '../_support/audit-fixtures.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';

const s = suite('troupe audit');
const CLI: OperationContext = { source: 'cli', surface: 'cli', correlationId: 'corr-cli', requestId: 'req-cli', credential: { type: 'local' }, subject: { userId: 'op', username: 'op', role: 'admin' } };

type Run = (sub: 'query' | 'verify', flags?: AuditQueryFlags) => Promise<{ code: number; out: string[]; err: string[] }>;

async function withTrail(fn: (trail: AuditTrail, run: Run, db: Database) => Promise<void>) {
  const t = await tempDb();
  try {
    const trail = await createAuditTrail({ store: createLevelAuditStore(t.db), retentionDays: 0, logger: () => {} });
    for (let i = 0; i < 6; i++) {
      await runWithContext(fullContext({ correlationId: `corr-${i % 2}` }), async () => trail.record({ category: i < 4 ? 'dag' : 'mcp', action: i < 4 ? 'dag_execute' : 'mcp.tool_call.succeeded', result: 'succeeded', resource_type: 'dag', resource_id: `d${i}` }));
    }
    await trail.flush();
    const run: Run = async (sub, flags = {}) => {
      const io = captureIo();
      // The CLI seeds its own context around every command, as src/cli/main.ts does.
      const code = await runWithContext(CLI, () => (sub === 'query' ? auditQueryCommand(trail, io, flags) : auditVerifyCommand(createLevelAuditStore(t.db), io)));
      return { code, out: io.outLines, err: io.errLines };
    };
    await fn(trail, run, t.db);
    await trail.close();
  } finally {
    await t.cleanup();
  }
}

s('query --json prints { entries, total } with the filters applied', () =>
  withTrail(async (_trail, run) => {
    const r = await run('query', { category: 'dag', correlationId: 'corr-1', json: true });
    assert.is(r.code, 0, r.err.join('\n'));
    const body = JSON.parse(r.out.join('\n')) as { entries: AuditEntry[]; total: number };
    assert.is(body.total, 2);
    assert.equal(body.entries.map((e) => e.resource_id), ['d3', 'd1']);
  }));

s('human output is one line per entry plus a summary; --limit pages', () =>
  withTrail(async (_trail, run) => {
    const r = await run('query', { source: 'mcp', limit: '2' });
    assert.is(r.code, 0);
    assert.is(r.out.length, 3);
    assert.match(r.out[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z  #6  mcp  mcp\.tool_call\.succeeded  succeeded  mcp  corr-1  dag:d5$/);
    assert.match(r.out[2]!, /^2 of 6 entries \(more: --cursor \S+\)$/);
  }));

s('the command itself is audited with source=cli', () =>
  withTrail(async (trail, run) => {
    await run('query', { action: 'dag_execute' });
    const { entries } = await trail.query({ action: 'audit_query' });
    assert.is(entries.length, 1);
    assert.is(entries[0]!.source, 'cli');
    assert.is(entries[0]!.correlation_id, 'corr-cli');
    assert.equal(entries[0]!.details, { filter_keys: ['action'], total: 4 });
  }));

s('bad flag values are INVALID_INPUT (exit 2)', () =>
  withTrail(async (_trail, run) => {
    for (const flags of [{ limit: 'ten' }, { since: 'tuesday' }, { offset: '-1' }]) {
      try {
        await run('query', flags);
        assert.unreachable(JSON.stringify(flags));
      } catch (e) {
        assert.is((e as { code?: string }).code, 'INVALID_INPUT');
      }
    }
  }));

s('verify is read-only: it writes no entry of its own', () =>
  withTrail(async (trail, run) => {
    const before = (await trail.query({})).total;
    assert.is((await run('verify')).code, 0);
    assert.is((await run('verify')).code, 0);
    assert.is((await trail.query({})).total, before);
  }));

s('verify exits 0 on an intact chain and 1 naming the seq of an edited entry', () =>
  withTrail(async (_trail, run, db) => {
    const ok = await run('verify');
    assert.is(ok.code, 0);
    assert.match(ok.out[0]!, /ok: 6 entries verified/);
    const entries = db.sublevel<string, AuditEntry>('audit', { valueEncoding: 'json' });
    const key = '3'.padStart(16, '0');
    const e = (await entries.get(key))!;
    await entries.put(key, { ...e, result: 'failed' });
    const bad = await run('verify');
    assert.is(bad.code, 1);
    assert.match(bad.err[0]!, /broken at seq 3/);
  }));

s.run();
