import { TroupeError } from '../core/errors.ts';
import { isRole } from '../core/roles.ts';
import type { AuthService, AttributionClass } from '../auth/index.ts';
import { EXIT_OK } from './exit-codes.ts';
import type { CliIo } from './io.ts';

export interface ApiKeyCreateFlags {
  name: string;
  role: string;
  surfaces: string;
  attribution?: string;
  owner?: string;
  description?: string;
  json?: boolean;
}

/** `troupe apikey create`: prints the secret once (`--json`: `{ id, key }`). Audited with source=cli. */
export async function apiKeyCreateCommand(auth: AuthService, io: CliIo, f: ApiKeyCreateFlags): Promise<number> {
  if (!isRole(f.role)) throw new TroupeError('INVALID_INPUT', `unknown role ${f.role}`, { details: { hint: 'one of viewer, operator, developer, manager, admin' } });
  const input: Parameters<AuthService['createApiKey']>[0] = {
    name: f.name,
    role: f.role,
    allowedSurfaces: f.surfaces.split(',').map((s) => s.trim()).filter(Boolean),
    createdBy: 'cli',
  };
  if (f.attribution) input.attributionClass = f.attribution as AttributionClass;
  if (f.owner) input.ownerUserId = f.owner;
  if (f.description) input.description = f.description;
  const { apiKey, key } = await auth.createApiKey(input);
  if (f.json) io.out(JSON.stringify({ id: apiKey.id, key }));
  else {
    io.out(`created API key ${apiKey.id} (${apiKey.name}, role ${apiKey.role}, surfaces ${apiKey.allowedSurfaces.join(',')})`);
    io.out(`secret (shown once): ${key}`);
  }
  return EXIT_OK;
}

/** `troupe apikey list`: prefixes only, never secrets. */
export async function apiKeyListCommand(auth: AuthService, io: CliIo, f: { json?: boolean }): Promise<number> {
  const keys = await auth.listApiKeys();
  if (f.json) io.out(JSON.stringify(keys));
  else if (keys.length === 0) io.err('no API keys');
  else for (const k of keys) io.out(`${k.id}  ${k.name}  ${k.role}  ${k.allowedSurfaces.join(',')}  troupe_${k.keyPrefix}…  ${k.attributionClass}`);
  return EXIT_OK;
}

export async function apiKeyDeleteCommand(auth: AuthService, io: CliIo, id: string): Promise<number> {
  await auth.deleteApiKey(id);
  io.out(`deleted API key ${id}`);
  return EXIT_OK;
}
