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
import { userCreateCommand, userListCommand } from '../../src/cli/user-command.ts';
import { createLevelAuthStore } from '../../src/store/level-auth-store.ts';
import { captureIo } from './_io.ts';

const s = suite<{ dir: string; db: Database; auth: AuthService }>('cli/user-command', {} as never);
s.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'troupe-cli-user-'));
  ctx.db = await openDatabase(ctx.dir);
  ctx.auth = await createAuthService({ store: createLevelAuthStore(ctx.db), config: { auth: { ...defaultConfig().auth, mode: 'builtin' } } });
});
s.after.each(async (ctx) => {
  await ctx.db.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

s('create reads the password from stdin (first line) and the user can log in', async ({ auth }) => {
  const io = captureIo('erin-password\nignored\n');
  const code = await userCreateCommand(auth, io, { username: 'erin', role: 'operator' });
  assert.is(code, 0, io.errLines.join());
  assert.match(io.outLines[0]!, 'created user erin');
  assert.not.ok(io.outLines.join().includes('erin-password'));
  const session = await auth.login('erin', 'erin-password');
  assert.is(session.user.role, 'operator');
  const list = captureIo();
  assert.is(await userListCommand(auth, list, {}), 0);
  assert.match(list.outLines.join('\n'), /erin\s+operator/);
});

s('a short password, a duplicate user or an unknown role fails with its code', async ({ auth }) => {
  const fails = async (f: { username: string; role: string }, stdin: string) => {
    try {
      await userCreateCommand(auth, captureIo(stdin), f);
    } catch (e) {
      return { code: (e as { code: string }).code, message: (e as Error).message };
    }
    throw new Error('expected a failure');
  };
  const short = await fails({ username: 'f', role: 'viewer' }, 'short');
  assert.is(short.code, 'INVALID_INPUT');
  assert.match(short.message, 'password');
  assert.is(await userCreateCommand(auth, captureIo('long-enough-pw'), { username: 'f', role: 'viewer' }), 0);
  assert.match((await fails({ username: 'f', role: 'viewer' }, 'long-enough-pw')).message, 'already exists');
  assert.is((await fails({ username: 'g', role: 'emperor' }, 'long-enough-pw')).code, 'INVALID_INPUT');
});

s.run();
