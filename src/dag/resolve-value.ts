import { scanField } from './references.ts';
import type { EnvExpr, Reference } from './references.ts';

/**
 * Looks up the value of a Dagu-owned reference; `undefined` = no value, and the reference is
 * preserved verbatim (§8.8.1: never an error by itself).
 */
export type RefLookup = (ref: Reference) => string | undefined;

export interface ResolveOptions {
  lookup: RefLookup;
  /**
   * Environment for unqualified `$NAME` / `${NAME…}` expansion, or `undefined` for fields whose
   * env syntax belongs to the shell (`run`, §8.5). Missing names are preserved.
   */
  env?: Readonly<Record<string, string>>;
  /** Consulted for names missing from `env` (root `env`, dotenv paths, `eval`; §8.5). */
  hostEnv?: Readonly<Record<string, string>>;
}

/**
 * Resolves one field (§8.1): Dagu references replaced by their values, then (when `env` is
 * given) environment expressions expanded. One pass: inserted values are never re-scanned.
 */
export function resolveValue(text: string, options: ResolveOptions): string {
  if (!text.includes('$')) return text;
  const expandEnv = options.env !== undefined;
  const parts = scanField(text, { envEscapes: expandEnv });
  // `${NAME:=w}` would assign: then shell-style expressions of the field stay as written (§8.5).
  const assigns = expandEnv && parts.some((p) => p.kind === 'env' && ((p.op === ':=' && !envValue(p.name, options)) || (p.op === '=' && envValue(p.name, options) === undefined)));
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') out += p.text;
    else if (p.kind === 'ref') out += options.lookup(p) ?? p.raw;
    else if (!expandEnv || p.singleQuoted || (assigns && p.op !== '')) out += p.raw;
    else out += expandExpr(p, options) ?? p.raw;
  }
  return out;
}

function envValue(name: string, options: ResolveOptions): string | undefined {
  if (options.env && Object.hasOwn(options.env, name)) return options.env[name];
  if (options.hostEnv && Object.hasOwn(options.hostEnv, name)) return options.hostEnv[name];
  return undefined;
}

/** Expands a word of a shell-style expression: env references only, never command substitution. */
function expandWord(word: string, options: ResolveOptions): string {
  return resolveValue(word, { ...options, lookup: options.lookup });
}

/** The value of one environment expression, or `undefined` to preserve it (§8.5). */
export function expandExpr(p: EnvExpr, options: ResolveOptions): string | undefined {
  const value = envValue(p.name, options);
  if (value === undefined) return undefined;
  switch (p.op) {
    case '':
      return value;
    case ':-':
      return value !== '' ? value : expandWord(p.word, options);
    case '-':
    case '?':
    case '=':
      return value;
    case ':+':
      return value !== '' ? expandWord(p.word, options) : '';
    case '+':
      return expandWord(p.word, options);
    case ':?':
    case ':=':
      return value !== '' ? value : undefined;
    case 'len':
      return String([...value].length);
    case ':':
      return substring(value, p.word);
    case '#':
    case '##':
    case '%':
    case '%%':
      return trimPattern(value, expandWord(p.word, options), p.op);
    default:
      return undefined;
  }
}

/** `${NAME:off}` / `${NAME:off:len}` on bytes: negative offset counts from the end, negative length trims from the end. */
function substring(value: string, spec: string): string | undefined {
  const m = /^\s*(-?\d+)\s*(?::\s*(-?\d+)\s*)?$/.exec(spec);
  if (!m) return undefined;
  const bytes = Buffer.from(value, 'utf8');
  let off = Number(m[1]);
  if (off < 0) off = Math.max(0, bytes.length + off);
  off = Math.min(off, bytes.length);
  let end = bytes.length;
  if (m[2] !== undefined) {
    const len = Number(m[2]);
    end = len < 0 ? Math.max(off, bytes.length + len) : Math.min(bytes.length, off + len);
  }
  return bytes.subarray(off, end).toString('utf8');
}

/** Shell glob pattern → RegExp source (`*`, `?`, `[…]`); `undefined` when the pattern is invalid. */
export function globSource(pattern: string): string | undefined {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) return undefined;
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    new RegExp(out);
    return out;
  } catch {
    return undefined;
  }
}

function trimPattern(value: string, pattern: string, op: string): string {
  const src = globSource(pattern);
  if (src === undefined) return value;
  const re = new RegExp(`^(?:${src})$`, 's');
  const chars = [...value];
  if (op === '#' || op === '##') {
    const lengths = op === '#' ? range(0, chars.length) : range(chars.length, 0);
    for (const n of lengths) if (re.test(chars.slice(0, n).join(''))) return chars.slice(n).join('');
    return value;
  }
  const starts = op === '%' ? range(chars.length, 0) : range(0, chars.length);
  for (const n of starts) if (re.test(chars.slice(n).join(''))) return chars.slice(0, n).join('');
  return value;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  if (from <= to) for (let i = from; i <= to; i++) out.push(i);
  else for (let i = from; i >= to; i--) out.push(i);
  return out;
}

/** Evaluates env entries in order (§5.1.3): each sees the scope plus earlier entries; returns the entries' own values. */
export function resolveEnvEntries(
  entries: ReadonlyArray<readonly [string, string]>,
  scope: Readonly<Record<string, string>>,
  options: { lookup: (ref: Reference, env: Readonly<Record<string, string>>) => string | undefined; hostEnv?: Readonly<Record<string, string>> },
): Record<string, string> {
  const own: Record<string, string> = {};
  const env: Record<string, string> = { ...scope };
  for (const [key, value] of entries) {
    const v = resolveValue(value, { lookup: (r) => options.lookup(r, env), env, ...(options.hostEnv ? { hostEnv: options.hostEnv } : {}) });
    Object.defineProperty(own, key, { value: v, enumerable: true, writable: true, configurable: true });
    Object.defineProperty(env, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return own;
}
