import { isTroupeError, newId, runWithContext } from '../core/index.ts';
import type { AuthService, AttributionClass } from '../auth/index.ts';
import type { Role } from '../core/index.ts';
import { parseCommand } from './args.ts';

export interface ApiKeyCommandDeps {
  auth: AuthService;
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: troupe apikey create --name N --role R --surfaces rest_api,mcp [--attribution service_account|user_owned] [--owner USER_ID] [--json]
       troupe apikey list [--json]
       troupe apikey delete <id>`;

/**
 * `troupe apikey ...`: bootstraps API keys on a stopped server. `create` prints the secret once
 * (`--json`: `{ id, key }`). Entries are audited with source=cli.
 */
export async function runApiKeyCommand(argv: string[], deps: ApiKeyCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  const ctx = { source: 'cli' as const, surface: 'cli' as const, correlationId: newId(), requestId: newId(), subject: { userId: 'cli', username: 'cli', role: 'admin' as Role }, credential: { type: 'local' as const } };
  try {
    return await runWithContext(ctx, async () => {
      if (sub === 'create') {
        const { values } = parseCommand(rest, { name: { type: 'string' }, role: { type: 'string' }, surfaces: { type: 'string' }, attribution: { type: 'string' }, owner: { type: 'string' }, description: { type: 'string' }, json: { type: 'boolean' } });
        if (!values.name || !values.role || !values.surfaces) {
          deps.err(USAGE);
          return 2;
        }
        const input: Parameters<AuthService['createApiKey']>[0] = {
          name: values.name,
          role: values.role as Role,
          allowedSurfaces: values.surfaces.split(',').map((s) => s.trim()).filter(Boolean),
          createdBy: 'cli',
        };
        if (values.attribution) input.attributionClass = values.attribution as AttributionClass;
        if (values.owner) input.ownerUserId = values.owner;
        if (values.description) input.description = values.description;
        const { apiKey, key } = await deps.auth.createApiKey(input);
        if (values.json) deps.out(JSON.stringify({ id: apiKey.id, key }));
        else {
          deps.out(`created API key ${apiKey.id} (${apiKey.name}, role ${apiKey.role}, surfaces ${apiKey.allowedSurfaces.join(',')})`);
          deps.out(`secret (shown once): ${key}`);
        }
        return 0;
      }
      if (sub === 'list') {
        const { values } = parseCommand(rest, { json: { type: 'boolean' } });
        const keys = await deps.auth.listApiKeys();
        if (values.json) deps.out(JSON.stringify(keys));
        else for (const k of keys) deps.out(`${k.id}  ${k.name}  ${k.role}  ${k.allowedSurfaces.join(',')}  troupe_${k.keyPrefix}…  ${k.attributionClass}`);
        return 0;
      }
      if (sub === 'delete') {
        const { positionals } = parseCommand(rest, {});
        const id = positionals[0];
        if (!id || positionals.length > 1) {
          deps.err(USAGE);
          return 2;
        }
        await deps.auth.deleteApiKey(id);
        deps.out(`deleted API key ${id}`);
        return 0;
      }
      deps.err(USAGE);
      return 2;
    });
  } catch (error) {
    if (!isTroupeError(error)) throw error;
    deps.err(`troupe apikey: ${error.message}`);
    return error.code === 'INVALID_INPUT' ? 2 : 1;
  }
}
