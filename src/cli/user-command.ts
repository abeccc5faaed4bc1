import { isTroupeError, newId, runWithContext } from '../core/index.ts';
import type { Role } from '../core/index.ts';
import type { AuthService } from '../auth/index.ts';
import { parseCommand } from './args.ts';

export interface UserCommandDeps {
  auth: AuthService;
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
}

const USAGE = 'usage: troupe user create --username U --role R   (reads the password from stdin)\n       troupe user list [--json]';

/**
 * `troupe user ...`: creates builtin users. The password is read from stdin (first line), never
 * from argv, so it does not end up in shell history or process listings.
 */
export async function runUserCommand(argv: string[], deps: UserCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  const ctx = { source: 'cli' as const, surface: 'cli' as const, correlationId: newId(), requestId: newId(), subject: { userId: 'cli', username: 'cli', role: 'admin' as Role }, credential: { type: 'local' as const } };
  try {
    return await runWithContext(ctx, async () => {
      if (sub === 'create') {
        const { values } = parseCommand(rest, { username: { type: 'string' }, role: { type: 'string' } });
        if (!values.username || !values.role) {
          deps.err(USAGE);
          return 2;
        }
        const password = (await deps.readStdin()).split(/\r?\n/)[0] ?? '';
        const user = await deps.auth.createUser({ username: values.username, password, role: values.role as Role });
        deps.out(`created user ${user.username} (${user.id}, role ${user.role})`);
        return 0;
      }
      if (sub === 'list') {
        const { values } = parseCommand(rest, { json: { type: 'boolean' } });
        const users = await deps.auth.listUsers();
        if (values.json) deps.out(JSON.stringify(users));
        else for (const u of users) deps.out(`${u.id}  ${u.username}  ${u.role}`);
        return 0;
      }
      deps.err(USAGE);
      return 2;
    });
  } catch (error) {
    if (!isTroupeError(error)) throw error;
    deps.err(`troupe user: ${error.message}`);
    return error.code === 'INVALID_INPUT' ? 2 : 1;
  }
}
