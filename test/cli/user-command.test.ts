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
import { runUserCommand } from '../../src/cli/user-command.ts';
import { createLevelAuthStore } from '../../src/store/level-auth-store.ts';

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
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUserCommand(['create', '--username', 'erin', '--role', 'operator'], { auth, out: (l) => void out.push(l), err: (l) => void err.push(l), readStdin: async () => 'erin-password\nignored\n' });
  assert.is(code, 0, err.join());
  assert.match(out[0]!, 'created user erin');
  assert.not.ok(out.join().includes('erin-password'));
  const session = await auth.login('erin', 'erin-password');
  assert.is(session.user.role, 'operator');
});

s('a short password or a duplicate user fails with a message', async ({ auth }) => {
  const err: string[] = [];
  const deps = { auth, out: () => {}, err: (l: string) => void err.push(l) };
  assert.is(await runUserCommand(['create', '--username', 'f', '--role', 'viewer'], { ...deps, readStdin: async () => 'short' }), 2);
  assert.match(err.pop()!, 'password');
  assert.is(await runUserCommand(['create', '--username', 'f', '--role', 'viewer'], { ...deps, readStdin: async () => 'long-enough-pw' }), 0);
  assert.is(await runUserCommand(['create', '--username', 'f', '--role', 'viewer'], { ...deps, readStdin: async () => 'long-enough-pw' }), 1);
  assert.match(err.pop()!, 'already exists');
  assert.is(await runUserCommand(['create', '--username', 'g'], { ...deps, readStdin: async () => 'x' }), 2);
});

s.run();
