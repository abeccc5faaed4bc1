import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer } from '../../_support/http-server.ts';
import type { TestServer } from '../../_support/http-server.ts';

const s = suite<{ server: TestServer; admin: string; manager: string }>('routes/api-keys', {} as never);
s.before(async (ctx) => {
  ctx.server = await startTestServer({ mode: 'builtin', mcp: async () => new Response('ok') });
  ctx.admin = (await ctx.server.auth.createApiKey({ name: 'root', role: 'admin', allowedSurfaces: ['rest_api'] })).key;
  ctx.manager = (await ctx.server.auth.createApiKey({ name: 'mgr', role: 'manager', allowedSurfaces: ['rest_api'] })).key;
});
s.after(async ({ server }) => server.close());

s('create shows the secret once; list and get never show it; the key works on its surface', async ({ server, admin }) => {
  const res = await server.call('POST', '/api-keys', { token: admin, body: { name: 'agent', role: 'operator', allowedSurfaces: ['mcp'], description: 'for the agent' } });
  assert.is(res.status, 201);
  const { apiKey, key } = await res.json();
  assert.match(key, /^troupe_/);
  assert.is(apiKey.attributionClass, 'service_account');
  assert.is(apiKey.createdBy, 'root');
  const listText = await (await server.call('GET', '/api-keys', { token: admin })).text();
  assert.not.ok(listText.includes(key));
  assert.not.ok(listText.includes('keyHash'));
  assert.is(JSON.parse(listText).apiKeys.length, 3);
  const one = await (await server.call('GET', `/api-keys/${apiKey.id}`, { token: admin })).json();
  assert.is(one.apiKey.name, 'agent');
  assert.is((await fetch(`${server.origin}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${key}` } })).status, 200);
  assert.is((await server.call('GET', '/dags', { token: key })).status, 403);
  await server.audit.flush();
  const { entries } = await server.audit.query({ action: 'api_key_create', resource_id: apiKey.id });
  assert.is(entries.length, 1);
  assert.is(entries[0]!.source, 'rest');
  assert.is(entries[0]!.username, 'root');
  assert.not.ok(JSON.stringify(entries).includes(key));
});

s('update changes surfaces and role; delete revokes at once', async ({ server, admin }) => {
  const { apiKey, key } = await (await server.call('POST', '/api-keys', { token: admin, body: { name: 'temp', role: 'viewer', allowedSurfaces: ['mcp'] } })).json();
  assert.is((await server.call('GET', '/dags', { token: key })).status, 403);
  const patched = await server.call('PATCH', `/api-keys/${apiKey.id}`, { token: admin, body: { allowedSurfaces: ['rest_api'], role: 'operator' } });
  assert.is(patched.status, 200);
  assert.equal((await patched.json()).apiKey.allowedSurfaces, ['rest_api']);
  assert.is((await server.call('GET', '/dags', { token: key })).status, 200);
  assert.is((await server.call('PATCH', `/api-keys/${apiKey.id}`, { token: admin, body: { role: 'god' } })).status, 400);
  assert.is((await server.call('DELETE', `/api-keys/${apiKey.id}`, { token: admin })).status, 204);
  assert.is((await server.call('GET', '/dags', { token: key })).status, 401);
  assert.is((await server.call('DELETE', `/api-keys/${apiKey.id}`, { token: admin })).status, 404);
  assert.is((await server.call('GET', `/api-keys/${apiKey.id}`, { token: admin })).status, 404);
  assert.is((await server.call('GET', '/api-keys/not%20an%20id', { token: admin })).status, 400);
  await server.audit.flush();
  const actions = (await server.audit.query({ resource_id: apiKey.id })).entries.map((e) => e.action).sort();
  assert.equal(actions, ['api_key_create', 'api_key_delete', 'api_key_update']);
});

s('only admins manage keys', async ({ server, manager }) => {
  assert.is((await server.call('GET', '/api-keys', { token: manager })).status, 403);
  const res = await server.call('POST', '/api-keys', { token: manager, body: { name: 'x', role: 'admin', allowedSurfaces: ['rest_api'] } });
  assert.is(res.status, 403);
  assert.equal(await res.json(), { code: 'forbidden', message: 'Insufficient permissions' });
});

s.run();
