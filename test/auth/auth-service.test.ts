import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/database.ts';
import { createAuthService } from '../../src/auth/index.ts';
import type { AuthService } from '../../src/auth/index.ts';
import { defaultConfig } from '../../src/config.ts';
import type { TroupeConfig } from '../../src/config.ts';
import type { Clock } from '../../src/core/index.ts';
import { createMemoryAudit } from '../_support/http-audit.ts';
import { createLevelAuthStore } from '../../src/store/level-auth-store.ts';

const s = suite<{ dir: string; db: Database }>('auth-service', { dir: '', db: undefined as unknown as Database });
s.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'troupe-auth-'));
  ctx.db = await openDatabase(ctx.dir);
});
s.after.each(async (ctx) => {
  await ctx.db.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

function config(mode: TroupeConfig['auth']['mode'], sessionTtlSec = 3600): Pick<TroupeConfig, 'auth'> {
  const c = defaultConfig();
  return { auth: { ...c.auth, mode, sessionTtlSec, basic: { username: 'ops', password: 's3cret-pass' } } };
}
function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), advance: (ms) => void (t += ms) };
}
const basicHeader = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

s('an API key is shown once as troupe_..., stored hashed, and authenticates on its surfaces only', async ({ db }) => {
  const audit = createMemoryAudit();
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('builtin'), audit });
  const { apiKey, key } = await auth.createApiKey({ name: 'ci', role: 'operator', allowedSurfaces: ['rest_api'] });
  assert.match(key, /^troupe_[A-Za-z0-9_-]{43}$/);
  assert.is(apiKey.keyPrefix, key.slice(7, 15));
  assert.not.ok('keyHash' in apiKey);
  // The raw secret appears nowhere in the database.
  for await (const [, value] of db.iterator()) assert.not.ok(JSON.stringify(value).includes(key.slice(7)));
  const okRest = await auth.authenticate(`Bearer ${key}`, 'rest_api');
  assert.ok(okRest.ok);
  if (okRest.ok) {
    assert.equal(okRest.subject, { userId: `api_key:${apiKey.id}`, username: 'ci', role: 'operator' });
    assert.is(okRest.credential.type, 'api_key');
    assert.is(okRest.credential.id, apiKey.id);
  }
  const onMcp = await auth.authenticate(`Bearer ${key}`, 'mcp');
  assert.equal(onMcp.ok ? undefined : [onMcp.status, onMcp.reason, onMcp.credential?.id], [403, 'api_key_surface_denied', apiKey.id]);
  const wrong = await auth.authenticate(`Bearer ${key.slice(0, -1)}x`, 'rest_api');
  assert.equal(wrong.ok ? undefined : [wrong.status, wrong.reason], [401, 'auth_failed']);
  assert.is(audit.entries[0]?.action, 'api_key_create');
  assert.not.ok(JSON.stringify(audit.entries).includes(key));
});

s('key validation: surfaces, attribution, role, workspace scoping', async ({ db }) => {
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('builtin') });
  const bad = async (input: Parameters<AuthService['createApiKey']>[0], field: string) => {
    try {
      await auth.createApiKey(input);
      assert.unreachable('should fail');
    } catch (e) {
      assert.is((e as { code: string }).code, 'INVALID_INPUT');
      assert.is((e as { details: { field: string } }).details.field, field);
    }
  };
  await bad({ name: 'a', role: 'viewer', allowedSurfaces: ['web'] }, 'allowedSurfaces');
  await bad({ name: 'a', role: 'viewer', allowedSurfaces: [] }, 'allowedSurfaces');
  await bad({ name: 'a', role: 'root' as never, allowedSurfaces: ['mcp'] }, 'role');
  await bad({ name: '', role: 'viewer', allowedSurfaces: ['mcp'] }, 'name');
  await bad({ name: 'a', role: 'viewer', allowedSurfaces: ['mcp'], attributionClass: 'robot' as never }, 'attributionClass');
  await bad({ name: 'a', role: 'viewer', allowedSurfaces: ['mcp'], attributionClass: 'user_owned', ownerUserId: 'nobody' }, 'ownerUserId');
  await bad({ name: 'a', role: 'admin', allowedSurfaces: ['mcp'], workspaceAccess: { all: false, grants: [] } }, 'workspaceAccess');
});

s('user_owned keys attribute to their owner; update and delete take effect', async ({ db }) => {
  const audit = createMemoryAudit();
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('builtin'), audit });
  const alice = await auth.createUser({ username: 'alice', password: 'correct horse', role: 'developer' });
  const { apiKey, key } = await auth.createApiKey({ name: 'laptop', role: 'developer', allowedSurfaces: ['mcp'], attributionClass: 'user_owned', ownerUserId: alice.id });
  const out = await auth.authenticate(`Bearer ${key}`, 'mcp');
  assert.equal(out.ok && out.subject, { userId: alice.id, username: 'alice', role: 'developer' });
  const updated = await auth.updateApiKey(apiKey.id, { allowedSurfaces: ['rest_api', 'mcp'], role: 'viewer' });
  assert.equal(updated.allowedSurfaces, ['rest_api', 'mcp']);
  const after = await auth.authenticate(`Bearer ${key}`, 'rest_api');
  assert.is(after.ok && after.subject.role, 'viewer');
  await auth.deleteApiKey(apiKey.id);
  const gone = await auth.authenticate(`Bearer ${key}`, 'mcp');
  assert.is(gone.ok, false);
  assert.equal(audit.entries.map((e) => e.action), ['user_create', 'api_key_create', 'api_key_update', 'api_key_delete']);
  try {
    await auth.deleteApiKey(apiKey.id);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'NOT_FOUND');
  }
});

s('management refuses to change state when the audit trail is not writable', async ({ db }) => {
  const audit = createMemoryAudit();
  audit.failWrites = true;
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('builtin'), audit });
  try {
    await auth.createApiKey({ name: 'x', role: 'viewer', allowedSurfaces: ['mcp'] });
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'AUDIT_UNAVAILABLE');
  }
  assert.is((await auth.listApiKeys()).length, 0);
});

s('builtin login: scrypt password, session token with expiry, logout', async ({ db }) => {
  const clock = fakeClock();
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('builtin', 60), clock });
  await auth.createUser({ username: 'bob', password: 'hunter2hunter2', role: 'viewer' });
  const raw = JSON.stringify(await db.iterator().all());
  assert.not.ok(raw.includes('hunter2hunter2'));
  assert.ok(raw.includes('scrypt$'));
  const { token, user } = await auth.login('bob', 'hunter2hunter2');
  assert.is(user.username, 'bob');
  assert.not.ok('passwordHash' in user);
  const ok = await auth.authenticate(`Bearer ${token}`, 'rest_api');
  assert.equal(ok.ok && [ok.subject.username, ok.credential.type], ['bob', 'session']);
  clock.advance(61_000);
  const expired = await auth.authenticate(`Bearer ${token}`, 'rest_api');
  assert.equal(expired.ok ? undefined : expired.reason, 'auth_failed');
  const second = await auth.login('bob', 'hunter2hunter2');
  await auth.logout(second.token);
  assert.is((await auth.authenticate(`Bearer ${second.token}`, 'mcp')).ok, false);
  try {
    await auth.login('bob', 'wrong-password');
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'UNAUTHENTICATED');
  }
});

s('login is rate limited per username and per client IP', async ({ db }) => {
  const clock = fakeClock();
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('builtin'), clock });
  await auth.createUser({ username: 'carol', password: 'long-password', role: 'viewer' });
  const codes: string[] = [];
  for (let i = 0; i < 11; i++) {
    try {
      await auth.login('carol', 'nope-nope', { ipAddress: '10.0.0.1' });
    } catch (e) {
      codes.push((e as { code: string }).code);
    }
  }
  assert.is(codes.filter((c) => c === 'UNAUTHENTICATED').length, 10);
  assert.is(codes[10], 'LIMIT_EXCEEDED');
  // Even the right password is refused while blocked; the window then expires.
  try {
    await auth.login('carol', 'long-password', { ipAddress: '10.0.0.2' });
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'LIMIT_EXCEEDED');
  }
  clock.advance(5 * 60_000);
  assert.is((await auth.login('carol', 'long-password', { ipAddress: '10.0.0.1' })).user.username, 'carol');
});

s('basic mode: configured user only, API keys and bad passwords refused', async ({ db }) => {
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('basic') });
  const good = await auth.authenticate(basicHeader('ops', 's3cret-pass'), 'mcp');
  assert.equal(good.ok && [good.subject.username, good.subject.role, good.credential.type], ['ops', 'admin', 'basic']);
  for (const header of [basicHeader('ops', 'nope'), basicHeader('other', 's3cret-pass'), 'Basic !!!', 'Bearer troupe_abc', 'Bearer tsess_abc']) {
    const out = await auth.authenticate(header, 'rest_api');
    assert.equal(out.ok ? undefined : [out.status, out.reason], [401, 'auth_failed'], header);
  }
  const none = await auth.authenticate(undefined, 'rest_api');
  assert.equal(none.ok ? undefined : none.reason, 'missing_credentials');
});

s('none mode injects the default admin, but still checks presented API keys', async ({ db }) => {
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('none') });
  const anon = await auth.authenticate(undefined, 'mcp');
  assert.equal(anon.ok && [anon.subject, anon.credential.type], [{ userId: 'admin', username: 'admin', role: 'admin' }, 'none']);
  const { key } = await auth.createApiKey({ name: 'mcp-only', role: 'viewer', allowedSurfaces: ['mcp'] });
  const rest = await auth.authenticate(`Bearer ${key}`, 'rest_api');
  assert.equal(rest.ok ? undefined : rest.reason, 'api_key_surface_denied');
  const mcp = await auth.authenticate(`Bearer ${key}`, 'mcp');
  assert.equal(mcp.ok && mcp.subject.username, 'mcp-only');
  const bogus = await auth.authenticate('Bearer troupe_nope', 'mcp');
  assert.equal(bogus.ok ? undefined : bogus.reason, 'auth_failed');
});

s('the local CLI token authenticates as cli/admin in every mode, compared exactly', async ({ db }) => {
  const auth = await createAuthService({ store: createLevelAuthStore(db), config: config('builtin'), localToken: 'local-secret-token' });
  const out = await auth.authenticate('Bearer local-secret-token', 'rest_api');
  assert.equal(out.ok && [out.subject, out.credential, out.local], [{ userId: 'cli', username: 'cli', role: 'admin' }, { type: 'local' }, true]);
  assert.is((await auth.authenticate('Bearer local-secret-tokeN', 'rest_api')).ok, false);
});

s.run();
