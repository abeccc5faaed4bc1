import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { TroupeError } from '../core/index.ts';
import { defaultConfig, loadConfigFile, normalizeBasePath } from '../config.ts';
import type { TroupeConfig } from '../config.ts';

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  data: { type: 'string' },
  dags: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Parses a command's argv strictly: an unknown flag is an INVALID_INPUT error, not ignored. */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', (cause as Error).message.replace(/^TypeError \[\w+\]: /, ''), { cause });
  }
}

/**
 * The effective config: defaults, then the YAML file (`--config` or TROUPE_CONFIG), then the
 * environment, then flags.
 */
export function resolveConfig(values: { data?: string; dags?: string; config?: string; host?: string; port?: string }, env = process.env): TroupeConfig {
  const file = values.config ?? env.TROUPE_CONFIG;
  let config = file ? loadConfigFile(resolve(file)) : defaultConfig();
  const dataDir = values.data ?? env.TROUPE_DATA_DIR;
  const dagsDir = values.dags ?? env.TROUPE_DAGS_DIR;
  const host = values.host ?? env.TROUPE_HOST;
  const port = values.port ?? env.TROUPE_PORT;
  if (dataDir) config = { ...config, dataDir: resolve(dataDir) };
  if (dagsDir) config = { ...config, dagsDir: resolve(dagsDir) };
  if (host) config = { ...config, host };
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TroupeError('INVALID_INPUT', `port must be an integer from 0 to 65535, got ${port}`);
    config = { ...config, port: n };
  }
  if (env.TROUPE_BASE_PATH !== undefined) config = { ...config, basePath: normalizeBasePath(env.TROUPE_BASE_PATH) };
  return config;
}
