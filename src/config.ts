import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { TroupeError } from './core/index.ts';
import type { Role } from './core/index.ts';

/** Server and engine settings. Every field has a default; a YAML file overrides them. */
export interface TroupeConfig {
  host: string;
  port: number;
  /** LevelDB, run logs and the server lock file live here. */
  dataDir: string;
  dagsDir: string;
  /** Everything is served under this prefix ('' or e.g. '/troupe'). */
  basePath: string;
  /** Trust X-Forwarded-For for the client IP. */
  trustProxy: boolean;
  /** Maximum request body, bytes. */
  maxBodyBytes: number;
  cors: { allowedOrigins: string[] };
  auth: {
    mode: 'none' | 'basic' | 'builtin';
    basic: { username: string; password: string };
    /** Session token lifetime for builtin logins, seconds. */
    sessionTtlSec: number;
  };
  audit: {
    onFailure: 'fail_closed' | 'fail_open';
    /** 0 keeps everything. */
    retentionDays: number;
  };
  queues: Array<{ name: string; maxConcurrency: number }>;
  engine: {
    /** Grace period between the stop signal and SIGKILL, ms. */
    killGraceMs: number;
    /** Most queued runs the engine accepts in total. */
    maxQueuedRuns: number;
  };
  mcp: {
    maxSessions: number;
    sessionIdleSec: number;
    maxSubscriptionsPerSession: number;
    /** Extra Origins accepted on /mcp besides loopback ones. */
    allowedOrigins: string[];
    /** Extra Host names accepted on /mcp besides the bound host and loopback names. */
    allowedHosts: string[];
  };
}

export const DEFAULT_ROLE_FOR_NONE: Role = 'admin';

export function defaultConfig(cwd: string = process.cwd()): TroupeConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: resolve(cwd, 'data'),
    dagsDir: resolve(cwd, 'dags'),
    basePath: '',
    trustProxy: false,
    maxBodyBytes: 1024 * 1024,
    cors: { allowedOrigins: [] },
    auth: { mode: 'none', basic: { username: '', password: '' }, sessionTtlSec: 24 * 3600 },
    audit: { onFailure: 'fail_closed', retentionDays: 7 },
    queues: [],
    engine: { killGraceMs: 2000, maxQueuedRuns: 100_000 },
    mcp: { maxSessions: 256, sessionIdleSec: 30 * 60, maxSubscriptionsPerSession: 64, allowedOrigins: [], allowedHosts: [] },
  };
}

/** Normalizes `/troupe/` and `troupe` to `/troupe`, and `/` to ''. */
export function normalizeBasePath(value: string): string {
  const trimmed = value.trim().replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(message: string): never {
  throw new TroupeError('INVALID_INPUT', `config: ${message}`);
}
function str(v: unknown, key: string): string {
  if (typeof v !== 'string') bad(`${key} must be a string`);
  return v;
}
function int(v: unknown, key: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(`${key} must be an integer >= ${min}`);
  return v;
}
function bool(v: unknown, key: string): boolean {
  if (typeof v !== 'boolean') bad(`${key} must be true or false`);
  return v;
}
function strList(v: unknown, key: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(`${key} must be a list of strings`);
  return v as string[];
}

/**
 * Applies a parsed YAML config (snake_case keys, as in Dagu) over `base`. Unknown keys are an
 * error, so a typo never silently falls back to a default.
 */
export function applyConfigFile(base: TroupeConfig, raw: unknown, fileDir: string): TroupeConfig {
  if (raw === null || raw === undefined) return base;
  if (!isObj(raw)) bad('the file must hold a mapping');
  const c: TroupeConfig = structuredClone(base);
  const known = new Set(['host', 'port', 'data_dir', 'dags_dir', 'base_path', 'trust_proxy', 'max_body_bytes', 'cors', 'auth', 'audit', 'queues', 'engine', 'mcp']);
  for (const key of Object.keys(raw)) if (!known.has(key)) bad(`unknown key ${key}`);
  if (raw.host !== undefined) c.host = str(raw.host, 'host');
  if (raw.port !== undefined) c.port = int(raw.port, 'port');
  if (raw.data_dir !== undefined) c.dataDir = resolve(fileDir, str(raw.data_dir, 'data_dir'));
  if (raw.dags_dir !== undefined) c.dagsDir = resolve(fileDir, str(raw.dags_dir, 'dags_dir'));
  if (raw.base_path !== undefined) c.basePath = normalizeBasePath(str(raw.base_path, 'base_path'));
  if (raw.trust_proxy !== undefined) c.trustProxy = bool(raw.trust_proxy, 'trust_proxy');
  if (raw.max_body_bytes !== undefined) c.maxBodyBytes = int(raw.max_body_bytes, 'max_body_bytes', 1024);
  if (raw.cors !== undefined) {
    if (!isObj(raw.cors)) bad('cors must be a mapping');
    if (raw.cors.allowed_origins !== undefined) c.cors.allowedOrigins = strList(raw.cors.allowed_origins, 'cors.allowed_origins');
  }
  if (raw.auth !== undefined) {
    const a = raw.auth;
    if (!isObj(a)) bad('auth must be a mapping');
    if (a.mode !== undefined) {
      const mode = str(a.mode, 'auth.mode');
      if (mode !== 'none' && mode !== 'basic' && mode !== 'builtin') bad('auth.mode must be none, basic or builtin');
      c.auth.mode = mode;
    }
    if (a.basic !== undefined) {
      if (!isObj(a.basic)) bad('auth.basic must be a mapping');
      if (a.basic.username !== undefined) c.auth.basic.username = str(a.basic.username, 'auth.basic.username');
      if (a.basic.password !== undefined) c.auth.basic.password = str(a.basic.password, 'auth.basic.password');
    }
    if (a.session_ttl_sec !== undefined) c.auth.sessionTtlSec = int(a.session_ttl_sec, 'auth.session_ttl_sec', 60);
  }
  if (raw.audit !== undefined) {
    const a = raw.audit;
    if (!isObj(a)) bad('audit must be a mapping');
    if (a.on_failure !== undefined) {
      const v = str(a.on_failure, 'audit.on_failure');
      if (v !== 'fail_closed' && v !== 'fail_open') bad('audit.on_failure must be fail_closed or fail_open');
      c.audit.onFailure = v;
    }
    if (a.retention_days !== undefined) c.audit.retentionDays = int(a.retention_days, 'audit.retention_days');
  }
  if (raw.queues !== undefined) {
    const list = isObj(raw.queues) && Array.isArray(raw.queues.config) ? raw.queues.config : raw.queues;
    if (!Array.isArray(list)) bad('queues must be a list of {name, max_concurrency}');
    c.queues = list.map((q, i) => {
      if (!isObj(q)) bad(`queues[${i}] must be a mapping`);
      return { name: str(q.name, `queues[${i}].name`), maxConcurrency: int(q.max_concurrency ?? 1, `queues[${i}].max_concurrency`, 1) };
    });
  }
  if (raw.engine !== undefined) {
    if (!isObj(raw.engine)) bad('engine must be a mapping');
    if (raw.engine.kill_grace_ms !== undefined) c.engine.killGraceMs = int(raw.engine.kill_grace_ms, 'engine.kill_grace_ms');
    if (raw.engine.max_queued_runs !== undefined) c.engine.maxQueuedRuns = int(raw.engine.max_queued_runs, 'engine.max_queued_runs', 1);
  }
  if (raw.mcp !== undefined) {
    const m = raw.mcp;
    if (!isObj(m)) bad('mcp must be a mapping');
    if (m.max_sessions !== undefined) c.mcp.maxSessions = int(m.max_sessions, 'mcp.max_sessions', 1);
    if (m.session_idle_sec !== undefined) c.mcp.sessionIdleSec = int(m.session_idle_sec, 'mcp.session_idle_sec', 1);
    if (m.max_subscriptions_per_session !== undefined) c.mcp.maxSubscriptionsPerSession = int(m.max_subscriptions_per_session, 'mcp.max_subscriptions_per_session', 1);
    if (m.allowed_origins !== undefined) c.mcp.allowedOrigins = strList(m.allowed_origins, 'mcp.allowed_origins');
    if (m.allowed_hosts !== undefined) c.mcp.allowedHosts = strList(m.allowed_hosts, 'mcp.allowed_hosts');
  }
  return c;
}

/** Reads a YAML config file over the defaults. Throws `INVALID_INPUT` with a clear message. */
export function loadConfigFile(path: string, base: TroupeConfig = defaultConfig()): TroupeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', `config: cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', `config: ${path} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
  return applyConfigFile(base, raw, resolve(path, '..'));
}
