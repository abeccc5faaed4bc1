import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QUICK_DAG, startTestServer } from '../../_support/http-server.ts';
import type { TestServer } from '../../_support/http-server.ts';
import { auditFilterOf } from '../../../src/http/routes/audit.ts';

const s = suite<{ server: TestServer; manager: string; dev: string }>('routes/audit', {} as never);
s.before(async (ctx) => {
  ctx.server = await startTestServer({ mode: 'builtin' });
  ctx.manager = (await ctx.server.auth.createApiKey({ name: 'mgr', role: 'manager', allowedSurfaces: ['rest_api'] })).key;
  ctx.dev = (await ctx.server.auth.createApiKey({ name: 'dev', role: 'developer', allowedSurfaces: ['rest_api'] })).key;
  ctx.server.writeDag('hello', QUICK_DAG());
});
s.after(async ({ server }) => server.close());

s('camelCase query parameters map to the trail filter', () => {
  const f = auditFilterOf(new URL('http://x/audit?category=mcp&correlationId=c1&resourceType=dag&credentialType=api_key&mcpTool=dagu_read&userId=u&ipAddress=1.2.3.4&startTime=2026-01-01T00:00:00Z&limit=10&offset=5&cursor=abc'));
  assert.equal(f, { category: 'mcp', correlation_id: 'c1', resource_type: 'dag', credential_type: 'api_key', mcp_tool: 'dagu_read', user_id: 'u', ip_address: '1.2.3.4', start_time: '2026-01-01T00:00:00.000Z', limit: 10, offset: 5, cursor: 'abc' });
});

s('managers query with filters and get { entries, total, nextCursor } in camelCase', async ({ server, manager, dev }) => {
  await server.call('POST', '/dags/hello/start', { token: dev, headers: { 'x-correlation-id': 'audit-q' } });
  await server.audit.flush();
  const res = await server.call('GET', '/audit?correlationId=audit-q&action=dag_execute', { token: manager });
  assert.is(res.status, 200);
  const page = await res.json();
  assert.is(page.total, 1);
  const e = page.entries[0];
  assert.equal([e.action, e.category, e.source, e.surface, e.correlationId, e.credentialType], ['dag_execute', 'dag', 'rest', 'rest_api', 'audit-q', 'api_key']);
  assert.match(e.resourceId, /^hello\//);
  assert.is(e.correlation_id, undefined);
  const paged = await (await server.call('GET', '/audit?limit=1', { token: manager })).json();
  assert.is(paged.entries.length, 1);
  assert.ok(paged.total > 1);
  assert.ok(typeof paged.nextCursor === 'string');
  const next = await (await server.call('GET', `/audit?limit=1&cursor=${encodeURIComponent(paged.nextCursor)}`, { token: manager })).json();
  assert.is.not(next.entries[0].id, paged.entries[0].id);
  const future = await (await server.call('GET', '/audit?startTime=2999-01-01T00:00:00Z', { token: manager })).json();
  assert.is(future.total, 0);
});

s('below manager is 403 (and audited as a denial)', async ({ server, dev }) => {
  const res = await server.call('GET', '/audit', { token: dev, headers: { 'x-correlation-id': 'deny-audit' } });
  assert.is(res.status, 403);
  await server.audit.flush();
  const { entries } = await server.audit.query({ correlation_id: 'deny-audit' });
  assert.equal(entries.map((x) => [x.action, x.details.denial_reason]), [['api_key_request_denied', 'insufficient_permissions']]);
});

s.run();
