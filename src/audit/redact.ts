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

/** True when values under `key` must never reach the audit store. */
export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-\s]/g, '_');
  return SENSITIVE.has(k) || SENSITIVE_SUFFIX.some((s) => k.endsWith(s));
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
  for (const k of Object.keys(value).sort()) {
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
  if (!details) return {};
  const out = clean(details) as Record<string, unknown>;
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
