import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/database.ts';
import { createLevelAuthStore } from '../../src/store/level-auth-store.ts';
import type { ApiKeyRecord, UserRecord } from '../../src/auth/index.ts';

const s = suite<{ dir: string; db: Database }>('level-auth-store', { dir: '', db: undefined as unknown as Database });
s.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'troupe-auth-store-'));
  ctx.db = await openDatabase(ctx.dir);
});
s.after.each(async (ctx) => {
  await ctx.db.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

const key = (id: string, keyHash: string): ApiKeyRecord => ({
  id,
  name: `k-${id}`,
  role: 'viewer',
  allowedSurfaces: ['rest_api'],
  attributionClass: 'service_account',
  keyPrefix: 'abcdefgh',
  keyHash,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const user = (id: string, username: string): UserRecord => ({ id, username, role: 'viewer', createdAt: 'x', updatedAt: 'x', passwordHash: 'scrypt$...' });

s('finds a key by its hash, and a rotated hash no longer resolves', async ({ db }) => {
  const store = createLevelAuthStore(db);
  await store.putApiKey(key('k1', 'h1'));
  assert.is((await store.findApiKeyByHash('h1'))?.id, 'k1');
  await store.putApiKey(key('k1', 'h2'));
  assert.is(await store.findApiKeyByHash('h1'), undefined);
  assert.is((await store.findApiKeyByHash('h2'))?.id, 'k1');
  assert.is((await store.listApiKeys()).length, 1);
});

s('deleting a key removes its hash index; deleting twice reports false', async ({ db }) => {
  const store = createLevelAuthStore(db);
  await store.putApiKey(key('k1', 'h1'));
  assert.is(await store.deleteApiKey('k1'), true);
  assert.is(await store.findApiKeyByHash('h1'), undefined);
  assert.is(await store.getApiKey('k1'), undefined);
  assert.is(await store.deleteApiKey('k1'), false);
});

s('finds users case-insensitively by name and keeps the index on rename', async ({ db }) => {
  const store = createLevelAuthStore(db);
  await store.putUser(user('u1', 'Alice'));
  assert.is((await store.findUserByName('alice'))?.id, 'u1');
  await store.putUser({ ...user('u1', 'bob') });
  assert.is(await store.findUserByName('alice'), undefined);
  assert.is((await store.findUserByName('BOB'))?.id, 'u1');
  assert.is(await store.deleteUser('u1'), true);
  assert.is(await store.findUserByName('bob'), undefined);
});

s('stores sessions by token hash and survives a reopen', async (ctx) => {
  const store = createLevelAuthStore(ctx.db);
  await store.putSession({ tokenHash: 't1', userId: 'u1', createdAt: 1, expiresAt: 2 });
  await store.putApiKey(key('k1', 'h1'));
  await ctx.db.close();
  ctx.db = await openDatabase(ctx.dir);
  const reopened = createLevelAuthStore(ctx.db);
  assert.equal(await reopened.getSession('t1'), { tokenHash: 't1', userId: 'u1', createdAt: 1, expiresAt: 2 });
  assert.is((await reopened.findApiKeyByHash('h1'))?.name, 'k-k1');
  await reopened.deleteSession('t1');
  assert.is(await reopened.getSession('t1'), undefined);
});

s.run();
