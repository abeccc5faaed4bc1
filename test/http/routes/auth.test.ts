import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer } from '../../_support/http-server.ts';
import type { TestServer } from '../../_support/http-server.ts';

const s = suite<{ server: TestServer }>('routes/auth', {} as never);
s.before(async (ctx) => {
  ctx.server = await startTestServer({ mode: 'builtin' });
  await ctx.server.auth.createUser({ username: 'dora', password: 'dora-password', role: 'developer' });
});
s.after(async ({ server }) => server.close());

s('login issues a session token; me/whoami identify it; logout ends it', async ({ server }) => {
  const res = await server.call('POST', '/auth/login', { body: { username: 'dora', password: 'dora-password' } });
  assert.is(res.status, 200);
  const { token, expiresAt, user } = await res.json();
  assert.match(token, /^tsess_/);
  assert.ok(Date.parse(expiresAt) > Date.now());
  assert.equal([user.username, user.role, user.passwordHash], ['dora', 'developer', undefined]);
  for (const path of ['/auth/me', '/auth/whoami']) {
    const me = await (await server.call('GET', path, { token })).json();
    assert.equal([me.user.username, me.user.role, me.credential.type], ['dora', 'developer', 'session']);
  }
  assert.is((await server.call('POST', '/auth/logout', { token })).status, 204);
  assert.is((await server.call('GET', '/auth/me', { token })).status, 401);
  await server.audit.flush();
  const { entries } = await server.audit.query({ action: 'login', result: 'succeeded' });
  assert.is(entries.length, 1);
  assert.not.ok(JSON.stringify(entries).includes('dora-password'));
});

s('bad logins are 401 and audited; the eleventh failure is rate limited (429)', async ({ server }) => {
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await server.call('POST', '/auth/login', { body: { username: 'dora', password: 'wrong' } })).status);
  assert.equal(statuses.slice(0, 10), Array(10).fill(401));
  assert.is(statuses[10], 429);
  assert.is((await server.call('POST', '/auth/login', { body: { username: 'dora' } })).status, 400);
  await server.audit.flush();
  const { total } = await server.audit.query({ action: 'login', result: 'failed' });
  assert.is(total, 10);
});

s('login is refused outside builtin mode', async () => {
  const server = await startTestServer({ mode: 'none' });
  try {
    const res = await server.call('POST', '/auth/login', { body: { username: 'a', password: 'b' } });
    assert.is(res.status, 400);
    const me = await (await server.call('GET', '/auth/me')).json();
    assert.equal([me.user.username, me.credential.type], ['admin', 'none']);
  } finally {
    await server.close();
  }
});

s.run();
