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
import { runApiKeyCommand } from '../../src/cli/apikey-command.ts';
import { createMemoryAudit } from '../_support/http-audit.ts';
import { createLevelAuthStore } from '../../src/store/level-auth-store.ts';

const s = suite<{ dir: string; db: Database; auth: AuthService; audit: ReturnType<typeof createMemoryAudit> }>('cli/apikey-command', {} as never);
s.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'troupe-cli-key-'));
  ctx.db = await openDatabase(ctx.dir);
  ctx.audit = createMemoryAudit();
  ctx.auth = await createAuthService({ store: createLevelAuthStore(ctx.db), config: { auth: { ...defaultConfig().auth, mode: 'builtin' } }, audit: ctx.audit });
});
s.after.each(async (ctx) => {
  await ctx.db.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, deps: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

s('create --json prints { id, key }; the key authenticates on the given surfaces', async ({ auth, audit }) => {
  const o = io();
  const code = await runApiKeyCommand(['create', '--name', 'bootstrap', '--role', 'admin', '--surfaces', 'rest_api,mcp', '--json'], { auth, ...o.deps });
  assert.is(code, 0);
  const { id, key } = JSON.parse(o.out[0]!);
  assert.match(key, /^troupe_/);
  const outcome = await auth.authenticate(`Bearer ${key}`, 'mcp');
  assert.ok(outcome.ok && outcome.credential.id === id);
  assert.is(audit.entries[0]?.source, 'cli');
  assert.is(audit.entries[0]?.action, 'api_key_create');
});

s('list shows prefixes, never secrets; delete removes', async ({ auth }) => {
  const { apiKey, key } = await auth.createApiKey({ name: 'k1', role: 'viewer', allowedSurfaces: ['mcp'] });
  const o = io();
  assert.is(await runApiKeyCommand(['list'], { auth, ...o.deps }), 0);
  assert.match(o.out[0]!, apiKey.id);
  assert.not.ok(o.out.join('\n').includes(key));
  assert.is(await runApiKeyCommand(['delete', apiKey.id], { auth, ...o.deps }), 0);
  assert.is((await auth.listApiKeys()).length, 0);
  const o2 = io();
  assert.is(await runApiKeyCommand(['delete', apiKey.id], { auth, ...o2.deps }), 1);
  assert.match(o2.err[0]!, 'not found');
});

s('usage errors exit 2 with a message', async ({ auth }) => {
  for (const argv of [['create', '--name', 'x'], ['create', '--name', 'x', '--role', 'viewer', '--surfaces', 'web'], ['create', '--bogus'], ['frobnicate'], []]) {
    const o = io();
    assert.is(await runApiKeyCommand(argv, { auth, ...o.deps }), 2, argv.join(' '));
    assert.ok(o.err.length > 0);
  }
  assert.is((await auth.listApiKeys()).length, 0);
});

s.run();
