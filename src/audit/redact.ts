import { canonicalize } from './canonical-json.ts';

// Keys whose values are never stored: parameter values, spec bodies, secrets, tokens. Matched
// after lower-casing and turning `-`/space into `_`.
const SENSITIVE = new Set([
  'params', 'parameters', 'param_values', 'spec', 'yaml', 'body', 'content', 'script',
  'password', 'passwd', 'pass', 'token', 'secret', 'authorization', 'auth', 'key', 'api_key',
  'apikey', 'cookie', 'set_cookie', 'headers', 'env', 'environment', 'arguments', 'args',
  'credentials', 'private_key', 'client_secret', 'bearer', 'jwt', 'session_token',
]);
const SENSITIVE_SUFFIX = ['_password', '_passwd', '_token', '_secret', '_key', '_apikey', '_jwt'];

/** Longest string value kept in details; longer ones are cut (errors can echo input). */
export const MAX_DETAIL_STRING = 1024;

// Detail keys repeat endlessly (dag_name, duration_ms, ...), so the verdict is remembered: the
// normalization (lower-case, regex, seven suffix checks) was a visible share of every entry.
// Bounded: cleared when full, so odd keys cannot grow it without limit.
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 4096;

/** True when values under `key` must never reach the audit store. */
export function isSensitiveKey(key: string): boolean {
  let hit = verdicts.get(key);
  if (hit === undefined) {
    const k = key.toLowerCase().replace(/[-\s]/g, '_');
    hit = SENSITIVE.has(k) || SENSITIVE_SUFFIX.some((s) => k.endsWith(s));
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(key, hit);
  }
  return hit;
}

// Sorts in place. Detail objects have a handful of keys: an insertion sort allocates nothing,
// where Array#sort allocated several hundred bytes per entry (garbage collection is the largest
// single cost of ingest).
function sortInPlace(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

// Keys in sorted order (code-unit order, as Array#sort).
function sortedKeys(obj: object): string[] {
  return sortInPlace(Object.keys(obj));
}

// One pass: sensitive keys dropped, strings cut, keys sorted, JSON-safe (see canonicalize).
function clean(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_DETAIL_STRING ? `${value.slice(0, MAX_DETAIL_STRING)}…` : value;
  if (value === null || typeof value !== 'object') return canonicalize(value);
  if (depth > 32) return '[too deep]';
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return clean(obj.toJSON(), depth + 1);
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(value)) {
    if (isSensitiveKey(k)) continue;
    const v = clean((value as Record<string, unknown>)[k], depth + 1);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The details that may be stored: sensitive keys dropped at every depth, long strings cut,
 * keys sorted (canonical). What Dagu keeps instead of values is derived when absent:
 * `params_keys` (the sorted names of a `params` object) and `spec_bytes` (the byte length of
 * a `spec` string).
 */
export function redactDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  return redactDetailsWith(details, undefined);
}

/**
 * `redactDetails`, plus top-level `extras` (name, value) for names the redacted details leave
 * without a value; empty values are skipped. Built in one pass, so the result is canonical
 * without a second copy.
 */
export function redactDetailsWith(
  details: Record<string, unknown> | undefined,
  extras: ReadonlyArray<readonly [string, string | undefined]> | undefined,
): Record<string, unknown> {
  let out: Record<string, unknown>;
  if (details && typeof (details as { toJSON?: unknown }).toJSON !== 'function' && !Array.isArray(details)) {
    // The top level inline, with the extras merged into the key list before the one sort.
    const keys = Object.keys(details);
    let extra: Record<string, string> | undefined;
    if (extras) {
      for (const [k, v] of extras) {
        if (v === undefined || v === '') continue;
        (extra ??= {})[k] = v;
        if (!Object.prototype.hasOwnProperty.call(details, k)) keys.push(k);
      }
    }
    sortInPlace(keys);
    out = {};
    for (const k of keys) {
      let v = Object.prototype.hasOwnProperty.call(details, k) && !isSensitiveKey(k) ? clean(details[k], 1) : undefined;
      if (v === undefined && extra !== undefined) v = extra[k];
      if (v !== undefined) out[k] = v;
    }
  } else {
    out = details ? ((clean(details) ?? {}) as Record<string, unknown>) : {};
    if (typeof out !== 'object' || out === null || Array.isArray(out)) out = {};
    if (extras) {
      let added = false;
      for (const [k, v] of extras) {
        if (v === undefined || v === '' || k in out) continue;
        out[k] = v;
        added = true;
      }
      if (added) out = sortKeys(out);
    }
  }
  if (!details) return out;
  let derived = false;
  const params = details.params;
  if (out.params_keys === undefined && params && typeof params === 'object' && !Array.isArray(params)) {
    out.params_keys = Object.keys(params).sort();
    derived = true;
  }
  const spec = details.spec ?? details.yaml;
  if (out.spec_bytes === undefined && typeof spec === 'string') {
    out.spec_bytes = Buffer.byteLength(spec, 'utf8');
    derived = true;
  }
  return derived ? sortKeys(out) : out;
}

/** The same object with its own keys in sorted order (values untouched). */
export function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}
