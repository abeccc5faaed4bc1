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
import { apiKeyCreateCommand, apiKeyDeleteCommand, apiKeyListCommand } from '../../src/cli/apikey-command.ts';
import { main } from '../../src/cli/main.ts';
import { runWithContext } from '../../src/core/index.ts';
import type { OperationContext } from '../../src/core/index.ts';
import { createMemoryAudit } from '../_support/http-audit.ts';
import { createLevelAuthStore } from '../../src/store/level-auth-store.ts';
import { captureIo } from './_io.ts';

const s = suite<{ dir: string; db: Database; auth: AuthService; audit: ReturnType<typeof createMemoryAudit> }>('cli/apikey-command', {} as never);
const CLI: OperationContext = { source: 'cli', surface: 'cli', correlationId: 'c', requestId: 'r', credential: { type: 'local' }, subject: { userId: 'op', username: 'op', role: 'admin' } };

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

s('create --json prints { id, key }; the key authenticates on the given surfaces', async ({ auth, audit }) => {
  const io = captureIo();
  const code = await runWithContext(CLI, () => apiKeyCreateCommand(auth, io, { name: 'bootstrap', role: 'admin', surfaces: 'rest_api,mcp', json: true }));
  assert.is(code, 0);
  const { id, key } = JSON.parse(io.outLines[0]!);
  assert.match(key, /^troupe_/);
  const outcome = await auth.authenticate(`Bearer ${key}`, 'mcp');
  assert.ok(outcome.ok && outcome.credential.id === id);
  assert.is(audit.entries[0]?.source, 'cli');
  assert.is(audit.entries[0]?.action, 'api_key_create');
});

s('list shows prefixes, never secrets; delete removes; an unknown id is not found', async ({ auth }) => {
  const { apiKey, key } = await auth.createApiKey({ name: 'k1', role: 'viewer', allowedSurfaces: ['mcp'] });
  const io = captureIo();
  assert.is(await apiKeyListCommand(auth, io, {}), 0);
  assert.match(io.outLines[0]!, apiKey.id);
  assert.not.ok(io.outLines.join('\n').includes(key));
  assert.is(await apiKeyDeleteCommand(auth, io, apiKey.id), 0);
  assert.is((await auth.listApiKeys()).length, 0);
  try {
    await apiKeyDeleteCommand(auth, io, apiKey.id);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, 'not found');
  }
});

s('an unknown role or surface is refused before anything is created', async ({ auth }) => {
  for (const f of [{ name: 'x', role: 'boss', surfaces: 'mcp' }, { name: 'x', role: 'viewer', surfaces: 'web' }]) {
    try {
      await runWithContext(CLI, () => apiKeyCreateCommand(auth, captureIo(), f));
      assert.unreachable(JSON.stringify(f));
    } catch (e) {
      assert.is((e as { code?: string }).code, 'INVALID_INPUT', (e as Error).message);
    }
  }
  assert.is((await auth.listApiKeys()).length, 0);
});

s('usage errors exit 2 with a message and the command\'s help pointer (parsed before any store is opened)', async ({ dir }) => {
  for (const argv of [['apikey', 'create', '--name', 'x'], ['apikey', 'create', '--bogus'], ['apikey', 'frobnicate'], ['apikey', 'delete']]) {
    const io = captureIo();
    assert.is(await main([...argv, '--data', join(dir, 'never')], io), 2, argv.join(' '));
    assert.match(io.errLines[0]!, /^troupe apikey/);
    assert.match(io.errLines.join('\n'), /--help/);
  }
});

s.run();
