import { TroupeError } from '../core/errors.ts';
import { isRole } from '../core/roles.ts';
import type { AuthService } from '../auth/index.ts';
import { EXIT_OK } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/**
 * `troupe user create`: creates a builtin user. The password is read from stdin (first line),
 * never from argv, so it does not end up in shell history or process listings.
 */
export async function userCreateCommand(auth: AuthService, io: CliIo, f: { username: string; role: string }): Promise<number> {
  if (!isRole(f.role)) throw new TroupeError('INVALID_INPUT', `unknown role ${f.role}`, { details: { hint: 'one of viewer, operator, developer, manager, admin' } });
  const password = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
  const user = await auth.createUser({ username: f.username, password, role: f.role });
  io.out(`created user ${user.username} (${user.id}, role ${user.role})`);
  return EXIT_OK;
}

export async function userListCommand(auth: AuthService, io: CliIo, f: { json?: boolean }): Promise<number> {
  const users = await auth.listUsers();
  if (f.json) io.out(JSON.stringify(users));
  else if (users.length === 0) io.err('no users');
  else for (const u of users) io.out(`${u.id}  ${u.username}  ${u.role}`);
  return EXIT_OK;
}
