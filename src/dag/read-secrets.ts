import type { SecretSpec } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { ENV_NAME } from './references.ts';

/** Names Dagu manages: a secret may not take them (§7.1). */
export const SECRET_RESERVED: ReadonlySet<string> = new Set([
  'DAG_NAME', 'DAG_RUN_ID', 'DAG_RUN_LOG_FILE', 'DAG_RUN_STEP_NAME', 'DAG_RUN_STEP_STDOUT_FILE', 'DAG_RUN_STEP_STDERR_FILE',
  'DAG_RUN_STATUS', 'DAG_WAITING_STEPS', 'DAG_PARAMS_JSON', 'DAG_RUN_WORK_DIR', 'DAG_RUN_ARTIFACTS_DIR', 'DAG_PUSHBACK',
  'DAG_PUSHBACK_ITERATION', 'DAG_PUSHBACK_PREVIOUS_STDOUT_FILE', 'DAGU_EXTERNAL_STEP_RETRY', 'DAGU_QUEUE_DISPATCH_RETRY',
]);

const PROVIDERS = new Set(['env', 'file']);
const OTHER_PROVIDERS = new Set(['vault', 'aws', 'gcp', 'azure', 'kubernetes', 'alibaba']);

/**
 * Reads `secrets` (§7): `{name, provider, key, options?}` or `{name, ref}`. All fields are
 * literal. Troupe resolves the `env` provider (the server's environment) and `file` (the
 * file's content, trailing newline dropped); other providers and workspace `ref`s are reported
 * as not supported yet, so a DAG never runs without the secret it expects.
 */
export function readSecrets(reader: SpecReader, at: At, value: unknown): SecretSpec[] {
  const out: SecretSpec[] = [];
  if (value === null || value === undefined) return out;
  if (!Array.isArray(value)) {
    reader.wrongType(at, value, 'a list of {name, provider, key} entries');
    return out;
  }
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const where = at.to(i);
    const map = reader.map(where, item, 'a {name, provider, key} map');
    if (!map) return;
    for (const k of map.keys()) {
      if (!['name', 'provider', 'key', 'options', 'ref'].includes(String(k))) reader.add(where.to(String(k)), `unknown secrets key "${String(k)}"`, { on: 'key', hint: 'use name, provider, key, options or ref' });
    }
    const name = typeof map.get('name') === 'string' ? (map.get('name') as string) : undefined;
    if (name === undefined) {
      reader.add(where.to('name'), map.has('name') ? 'must be a string' : 'secret needs a name (the environment variable that receives it)', { field: 'name' });
      return;
    }
    if (!ENV_NAME.test(name)) reader.add(where.to('name'), `secret name ${JSON.stringify(name)} is not a valid environment variable name`);
    else if (name.startsWith('DAGU_')) reader.add(where.to('name'), `secret name ${JSON.stringify(name)} must not start with DAGU_`);
    else if (SECRET_RESERVED.has(name)) reader.add(where.to('name'), `secret name ${JSON.stringify(name)} is reserved for a run value`);
    else if (seen.has(name)) reader.add(where.to('name'), `duplicate secret ${JSON.stringify(name)}`);
    seen.add(name);
    const hasRef = map.has('ref');
    const hasProvider = map.has('provider') || map.has('key') || map.has('options');
    if (hasRef && hasProvider) {
      reader.add(where.to('ref'), 'use either ref or provider + key, not both', { on: 'key' });
      return;
    }
    if (hasRef) {
      reader.add(where.to('ref'), 'workspace secret refs are not supported by Troupe yet', { on: 'key', hint: 'use provider: env with key: <server environment variable>, or provider: file' });
      return;
    }
    const provider = map.get('provider');
    const key = map.get('key');
    if (typeof provider !== 'string' || provider === '') {
      reader.add(where.to('provider'), 'secret needs a provider and a key, or a ref', { field: 'provider', hint: 'e.g. provider: env, key: PROD_API_TOKEN' });
      return;
    }
    if (typeof key !== 'string' || key === '') {
      reader.add(where.to('key'), 'secret needs a non-empty key', { field: 'key' });
      return;
    }
    const options = map.get('options');
    if (options !== undefined && options !== null) {
      const m = reader.map(where.to('options'), options);
      if (m) for (const [k, v] of m) if (typeof v !== 'string') reader.wrongType(where.to('options', String(k)), v, 'a string');
    }
    if (!PROVIDERS.has(provider)) {
      const known = OTHER_PROVIDERS.has(provider);
      reader.add(where.to('provider'), known ? `secret provider "${provider}" is not supported by Troupe yet` : `unknown secret provider "${provider}"`, { hint: 'supported providers: env (the server environment), file (a file path)' });
      return;
    }
    out.push({ name, provider: provider as SecretSpec['provider'], key });
  });
  return out;
}
