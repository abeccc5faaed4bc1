import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { TroupeError } from './core/index.ts';
import type { Role } from './core/index.ts';

/*
 * The config file, as one zod schema. The file uses snake_case keys (as Dagu does); the code
 * reads the same tree in camelCase (`audit.retention_days` -> `config.audit.retentionDays`),
 * derived from the schema both at the type level and at run time. Every object is strict, so an
 * unknown key is an error at every level, and every problem is reported with its dotted path.
 *
 * To add a section, add ONE entry to `CONFIG_SCHEMA` below, e.g.
 *
 *     executor: section({
 *       kind: z.enum(['local', 'bullmq']).default('local'),
 *       redis_url: z.string().default('redis://127.0.0.1:6379'),
 *     }),
 *
 * and read it as `config.executor.redisUrl`. Give every leaf a default (`section()` makes the
 * section itself optional), so `defaultConfig()` and a file that omits the section both work.
 * Keys are snake_case identifiers; a section whose keys are user data (a map) does not fit the
 * key conversion: use a list of `{ name, ... }` entries instead, as `queues` does.
 */

/** A strict mapping whose every key has a default: the whole section may be left out. */
export function section<S extends z.core.$ZodLooseShape>(shape: S) {
  // `{}` is valid input because every key has a default; the generic cannot see that.
  return z.strictObject(shape).prefault({} as never);
}

/** An integer with a lower bound (and optional upper bound). */
export function int(min = 0, max?: number) {
  const n = z.number().int().min(min);
  return max === undefined ? n : n.max(max);
}

const stringList = () => z.array(z.string()).default([]);

/** Normalizes `/troupe/` and `troupe` to `/troupe`, and `/` to ''. */
export function normalizeBasePath(value: string): string {
  const trimmed = value.trim().replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

const queueSchema = z.strictObject({ name: z.string().min(1), max_concurrency: int(1).default(1) });

/** Every key of the config file, with its default. */
export const CONFIG_SCHEMA = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: int(0, 65535).default(8080),
  /** LevelDB, run logs and the server lock file live here (relative to the config file). */
  data_dir: z.string().min(1).default('data'),
  dags_dir: z.string().min(1).default('dags'),
  /** Everything is served under this prefix ('' or e.g. '/troupe'). */
  base_path: z.string().default('').transform(normalizeBasePath),
  /** Trust X-Forwarded-For for the client IP. */
  trust_proxy: z.boolean().default(false),
  /** Maximum request body, bytes. */
  max_body_bytes: int(1024).default(1024 * 1024),
  cors: section({ allowed_origins: stringList() }),
  auth: section({
    mode: z.enum(['none', 'basic', 'builtin']).default('none'),
    basic: section({ username: z.string().default(''), password: z.string().default('') }),
    /** Session token lifetime for builtin logins, seconds. */
    session_ttl_sec: int(60).default(24 * 3600),
  }),
  audit: section({
    on_failure: z.enum(['fail_closed', 'fail_open']).default('fail_closed'),
    /** 0 keeps everything. */
    retention_days: int(0).default(7),
    /** Seal and write the trail on its own thread (off the event loop); false writes it inline. */
    thread: z.boolean().default(true),
  }),
  /** A list of `{name, max_concurrency}`, or Dagu's `{config: [...]}` form of it. */
  queues: z
    .preprocess((v) => (isObj(v) && Object.keys(v).length === 1 && 'config' in v ? v.config : v), z.array(queueSchema))
    .default([]),
  engine: section({
    /** Grace period between the stop signal and SIGKILL, ms. */
    kill_grace_ms: int(0).default(2000),
    /** Most queued runs the engine accepts in total. */
    max_queued_runs: int(1).default(100_000),
    /** Log bytes kept per step (stdout and stderr together) before truncation with a marker line. */
    step_log_bytes: int(1).default(64 * 1024 * 1024),
    /** Largest captured `output:` of a step (Dagu's `max_output_size`). */
    max_output_size: int(1).default(1024 * 1024),
  }),
  mcp: section({
    max_sessions: int(1).default(256),
    session_idle_sec: int(1).default(30 * 60),
    max_subscriptions_per_session: int(1).default(64),
    /** Bytes (JSON characters) of messages each 2025-era session keeps for stream resumption. */
    replay_buffer_bytes: int(1024).default(512 * 1024),
    /** Open 2026-07-28 `subscriptions/listen` streams per credential. */
    max_listens_per_credential: int(1).default(16),
    /** Live (working) MCP tasks per credential, both eras together; another is refused. */
    max_tasks_per_credential: int(1).default(100),
    /** Extra Origins accepted on /mcp besides loopback ones. */
    allowed_origins: stringList(),
    /** Extra Host names accepted on /mcp besides the bound host and loopback names. */
    allowed_hosts: stringList(),
  }),
  /** The server's scheduler: DAG schedules and DAG-level `retry_policy` (issue 15). */
  scheduler: section({
    /** Fire schedules and auto-retries while the server runs. */
    enabled: z.boolean().default(true),
    /** IANA zone of cron expressions without `CRON_TZ=` ('' = `DAGU_TZ`/`TZ`, else the host's local zone). */
    timezone: z.string().default(''),
    /** Failed runs that finished longer ago than this are not auto-retried (0 = never auto-retry). */
    retry_failure_window_hours: int(0).default(24),
  }),
  /** Run history (issue 15). */
  history: section({
    /** Runs older than this are pruned with their logs, unless the DAG sets `hist_retention_days`/`_runs`. */
    retention_days: int(1).default(30),
  }),
  /**
   * Where steps run: `local` processes of the server, or `bullmq`: `troupe worker` processes
   * reached through Redis (README "More than one machine"). `redis_url` may carry a password
   * (`TROUPE_REDIS_URL` overrides it, to keep it out of the file); it is never logged.
   */
  executor: section({
    type: z.enum(['local', 'bullmq']).default('local'),
    redis_url: z
      .string()
      .default('')
      .refine((v) => v === '' || /^rediss?:\/\/./.test(v), 'must be a redis:// or rediss:// URL'),
    /** Prefix of every Redis key and BullMQ queue; one server per prefix. */
    prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"').default('troupe'),
    /** A worker silent this long is lost, with its running steps. */
    worker_lost_after_sec: int(1).default(30),
  }),
  visualizer: section({
    /** Also forward actor inspection events (sanitized) to a Stately inspector relay at this ws:// URL; '' is off. `troupe server --inspect URL`. */
    inspect_url: z
      .string()
      .default('')
      .refine((v) => v === '' || /^wss?:\/\/[^\s/]+/.test(v), 'must be a ws:// or wss:// URL'),
  }),
  /** Live streams (SSE and WebSocket under `/api/v1/streams`); see docs/streams.md. */
  streams: section({
    /** A subscriber's buffer; overflowing it ends the stream with a `gap`. */
    max_buffer_bytes: int(1024).default(1024 * 1024),
    max_buffer_messages: int(1).default(1000),
    max_subscriptions_per_connection: int(1).default(32),
    max_connections_per_credential: int(1).default(32),
    /** SSE comment heartbeat and WebSocket ping interval, seconds. */
    heartbeat_sec: int(1).default(15),
    /** Run and actor events kept in memory for resume, per topic. */
    replay_capacity: int(1).default(10_000),
    /** Extra Origins accepted besides loopback ones (and `cors.allowed_origins`). */
    allowed_origins: stringList(),
  }),
});

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
/** The config tree with camelCase keys, as the code reads it. */
export type Camelize<T> = T extends readonly (infer U)[]
  ? Camelize<U>[]
  : T extends Record<string, unknown>
    ? { [K in keyof T as K extends string ? CamelCase<K> : K]: Camelize<T[K]> }
    : T;

/** Server and engine settings: `CONFIG_SCHEMA`'s output in camelCase. Every field has a default. */
export type TroupeConfig = Camelize<z.output<typeof CONFIG_SCHEMA>>;

export const DEFAULT_ROLE_FOR_NONE: Role = 'admin';

type Raw = Record<string, unknown>;
function isObj(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize);
  if (!isObj(value)) return value;
  const out: Raw = {};
  for (const [k, v] of Object.entries(value)) out[camel(k)] = camelize(v);
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) v = isObj(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** `auth.basic.username`, `queues[0].name`. */
function dotted(path: readonly PropertyKey[]): string {
  let s = '';
  for (const key of path) s += typeof key === 'number' ? `[${key}]` : s === '' ? String(key) : `.${String(key)}`;
  return s;
}

type Def = { type?: string; innerType?: unknown; in?: unknown; out?: unknown; element?: unknown; shape?: Record<string, unknown> };
const defOf = (schema: unknown): Def => ((schema as { _zod?: { def?: Def } })?._zod?.def ?? {});

/** The keys the schema knows for the mapping at `path` (to suggest one for a typo). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: unknown = CONFIG_SCHEMA;
  const unwrap = () => {
    for (let d = defOf(schema); ; d = defOf(schema)) {
      if (d.type === 'default' || d.type === 'prefault' || d.type === 'optional' || d.type === 'nullable') schema = d.innerType;
      else if (d.type === 'pipe') schema = defOf(d.out).type === 'transform' ? d.in : d.out;
      else return d;
    }
  };
  for (const key of path) {
    const d = unwrap();
    if (d.type === 'array' && typeof key === 'number') schema = d.element;
    else if (d.type === 'object' && typeof key === 'string' && d.shape) schema = d.shape[key];
    else return [];
  }
  const d = unwrap();
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function suggestion(key: string, known: string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 4))) return ` (did you mean ${best}?)`;
  return known.length > 0 ? ` (known keys: ${known.join(', ')})` : '';
}

/** One line per zod issue, naming the dotted path and what was wrong. */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = dotted(issue.path);
    const prefix = at === '' ? '' : `${at}: `;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) lines.push(`${dotted([...issue.path, key])}: unknown key${suggestion(key, knownKeys(issue.path))}`);
        break;
      case 'invalid_value':
        lines.push(`${prefix}must be one of ${issue.values.map(String).join(', ')}, got ${describe(valueAt(raw, issue.path))}`);
        break;
      case 'invalid_type': {
        const got = valueAt(raw, issue.path);
        const want = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
        lines.push(`${prefix}must be ${want}, got ${describe(got)}`);
        break;
      }
      case 'too_small':
        lines.push(issue.origin === 'string' ? `${prefix}must not be empty` : `${prefix}must be at least ${String(issue.minimum)}, got ${describe(valueAt(raw, issue.path))}`);
        break;
      case 'too_big':
        lines.push(`${prefix}must be at most ${String(issue.maximum)}, got ${describe(valueAt(raw, issue.path))}`);
        break;
      default:
        lines.push(`${prefix}${issue.message}`);
    }
  }
  return lines;
}

/**
 * Validates a parsed config file (snake_case keys) and returns the effective config. Relative
 * `data_dir`/`dags_dir` resolve against `fileDir`; left out, they are `data` and `dags` under
 * `cwd`. Throws `INVALID_INPUT` whose message holds every problem, one a line, each with its
 * dotted path (`details.problems` lists them).
 */
export function parseConfig(raw: unknown, options: { fileDir?: string; cwd?: string; source?: string } = {}): TroupeConfig {
  const cwd = options.cwd ?? process.cwd();
  const input = raw === null || raw === undefined ? {} : raw;
  const result = CONFIG_SCHEMA.safeParse(input);
  if (!result.success) {
    const problems = isObj(input) ? formatConfigIssues(result.error.issues, input) : ['the file must hold a mapping of keys'];
    const where = options.source ? `config ${options.source}` : 'config';
    throw new TroupeError('INVALID_INPUT', problems.map((p) => `${where}: ${p}`).join('\n'), { details: { problems } });
  }
  const config = camelize(result.data) as TroupeConfig;
  const given = input as Raw;
  config.dataDir = resolve(given.data_dir === undefined ? cwd : (options.fileDir ?? cwd), config.dataDir);
  config.dagsDir = resolve(given.dags_dir === undefined ? cwd : (options.fileDir ?? cwd), config.dagsDir);
  return config;
}

/** Every default; `data` and `dags` under `cwd`. */
export function defaultConfig(cwd: string = process.cwd()): TroupeConfig {
  return parseConfig({}, { cwd });
}

/** Reads and validates a YAML config file. Throws `INVALID_INPUT` with a clear message. */
export function loadConfigFile(path: string, cwd: string = process.cwd()): TroupeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', `config: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new TroupeError('INVALID_INPUT', `config ${path}: not valid YAML: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  return parseConfig(raw, { fileDir: resolve(path, '..'), cwd, source: path });
}
