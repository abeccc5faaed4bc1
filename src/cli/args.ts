import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { TroupeError } from '../core/errors.ts';
import type { TroupeConfig } from '../config.ts';

/** Options every command takes. */
export interface GlobalFlags {
  data?: string;
  dags?: string;
  config?: string;
}

/** The `server` command's extra flags. */
export interface ServerFlags extends GlobalFlags {
  host?: string;
  port?: string;
  /** A Stately inspector relay (`ws://HOST:PORT`) that also gets the actors' transitions. */
  inspect?: string;
}

/** What `--inspect` (and `visualizer.inspect_url`) accepts: a ws:// or wss:// URL with a host. */
export const INSPECT_URL = /^wss?:\/\/[^\s/]+/;

const configFile = (flags: GlobalFlags, env: NodeJS.ProcessEnv) => flags.config ?? env.TROUPE_CONFIG;

/**
 * The effective config: defaults, then the YAML file (`--config` or TROUPE_CONFIG), then the
 * environment, then flags. Loads the schema (zod) on demand: commands that need no config do
 * not pay for it.
 */
export async function resolveConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): Promise<TroupeConfig> {
  const { defaultConfig, loadConfigFile, normalizeBasePath } = await import('../config.ts');
  const file = configFile(flags, env);
  let config = file ? loadConfigFile(resolve(file)) : defaultConfig();
  const dataDir = flags.data ?? env.TROUPE_DATA_DIR;
  const dagsDir = flags.dags ?? env.TROUPE_DAGS_DIR;
  const host = flags.host ?? env.TROUPE_HOST;
  const port = flags.port ?? env.TROUPE_PORT;
  if (dataDir) config = { ...config, dataDir: resolve(dataDir) };
  if (dagsDir) config = { ...config, dagsDir: resolve(dagsDir) };
  if (host) config = { ...config, host };
  if (port !== undefined) {
    const n = Number(port);
    if (port.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new TroupeError('INVALID_INPUT', `port must be an integer from 0 to 65535, got ${port}`);
    config = { ...config, port: n };
  }
  if (env.TROUPE_BASE_PATH !== undefined) config = { ...config, basePath: normalizeBasePath(env.TROUPE_BASE_PATH) };
  if (flags.inspect !== undefined) {
    if (!INSPECT_URL.test(flags.inspect)) throw new TroupeError('INVALID_INPUT', `--inspect must be a ws:// or wss:// URL (a Stately inspector relay), got ${flags.inspect}`);
    config = { ...config, visualizer: { ...config.visualizer, inspectUrl: flags.inspect } };
  }
  return config;
}

/**
 * The data and DAG directories, without loading the config schema unless a config file is in
 * play (it may set them). What the quick commands need to find a running server.
 */
export async function resolveDirs(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ dataDir: string; dagsDir: string }> {
  if (configFile(flags, env)) {
    const c = await resolveConfig(flags, env);
    return { dataDir: c.dataDir, dagsDir: c.dagsDir };
  }
  return { dataDir: resolve(flags.data ?? env.TROUPE_DATA_DIR ?? 'data'), dagsDir: resolve(flags.dags ?? env.TROUPE_DAGS_DIR ?? 'dags') };
}

/** The global options as node:util parseArgs declarations (for `parseCommand`). */
const GLOBAL_OPTIONS = {
  data: { type: 'string' },
  dags: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Parses a command's own argv strictly with node:util parseArgs: an unknown flag is an
 * INVALID_INPUT error (exit 2), not ignored. For a command that takes its raw arguments
 * (declared with `.allowUnknownOption().helpOption(false)`); commands whose options are
 * declared with commander in program.ts do not need it.
 */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', (cause as Error).message.replace(/^TypeError \[\w+\]: /, ''), { cause });
  }
}
