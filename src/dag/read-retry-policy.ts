import type { RetryPolicy } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { snakeCase } from './spec-keys.ts';

const STEP_KEYS = new Set(['limit', 'interval_sec', 'backoff', 'max_interval_sec', 'exit_code']);
const DAG_KEYS = new Set(['limit', 'interval_sec', 'backoff', 'max_interval_sec']);

/**
 * Reads a `retry_policy` map: `limit` (required, ≥ 0), `interval_sec` (≥ 0), `backoff` (`true`
 * = 2, or a number > 1), `max_interval_sec` (≥ 0) and, for steps, `exit_code` (one or a list).
 */
export function readRetryPolicy(reader: SpecReader, at: At, value: unknown, level: 'step'): RetryPolicy | undefined;
export function readRetryPolicy(reader: SpecReader, at: At, value: unknown, level: 'dag'): Omit<RetryPolicy, 'exitCodes'> | undefined;
export function readRetryPolicy(reader: SpecReader, at: At, value: unknown, level: 'step' | 'dag'): RetryPolicy | Omit<RetryPolicy, 'exitCodes'> | undefined {
  if (value === null || value === undefined) return undefined;
  const map = reader.map(at, value);
  if (!map) return undefined;
  const allowed = level === 'step' ? STEP_KEYS : DAG_KEYS;
  for (const key of map.keys()) {
    const k = String(key);
    if (!allowed.has(k)) {
      const snake = snakeCase(k);
      const hint = snake !== k && allowed.has(snake) ? `use snake_case keys (${k} -> ${snake})` : `use ${[...allowed].join(', ')}`;
      reader.add(at.to(k), `unknown retry_policy key "${k}"`, { on: 'key', hint });
    }
  }
  let ok = true;
  let limit: number | undefined;
  if (!map.has('limit')) {
    reader.add(at.to('limit'), 'retry_policy.limit is required', { field: 'limit', hint: 'add limit: <number of retries>' });
    ok = false;
  } else {
    limit = reader.integer(at.to('limit'), map.get('limit'));
    if (limit === undefined) ok = false;
  }
  const intervalSec = optionalInt(reader, at.to('interval_sec'), map.get('interval_sec'));
  const maxIntervalSec = optionalInt(reader, at.to('max_interval_sec'), map.get('max_interval_sec'));
  if (intervalSec === null || maxIntervalSec === null) ok = false;
  let backoff: number | undefined;
  const rawBackoff = map.get('backoff');
  if (rawBackoff === true) backoff = 2;
  else if (rawBackoff === false || rawBackoff === null || rawBackoff === undefined) backoff = undefined;
  else if (typeof rawBackoff === 'number' && rawBackoff > 1) backoff = rawBackoff;
  else {
    reader.add(at.to('backoff'), `must be true or a number greater than 1, got ${JSON.stringify(rawBackoff)}`, { hint: 'true doubles the interval after each retry' });
    ok = false;
  }
  const exitCodes = level === 'step' ? readExitCodes(reader, at.to('exit_code'), map.get('exit_code')) : [];
  if (exitCodes === undefined || !ok || limit === undefined || intervalSec === null || maxIntervalSec === null) return undefined;
  const policy: RetryPolicy = { limit, intervalSec: intervalSec ?? 0, exitCodes };
  if (backoff !== undefined) policy.backoff = backoff;
  if (maxIntervalSec !== undefined) policy.maxIntervalSec = maxIntervalSec;
  if (level === 'dag') {
    const { exitCodes: _unused, ...dagPolicy } = policy;
    return dagPolicy;
  }
  return policy;
}

/** A non-negative integer, `undefined` when absent, `null` when invalid (already reported). */
function optionalInt(reader: SpecReader, at: At, value: unknown): number | undefined | null {
  if (value === null || value === undefined) return undefined;
  return reader.integer(at, value) ?? null;
}

/** `exit_code`: one integer or a list of them; `undefined` when invalid (already reported). */
export function readExitCodes(reader: SpecReader, at: At, value: unknown): number[] | undefined {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  const out: number[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const code = reader.integer(Array.isArray(value) ? at.to(i) : at, item);
    if (code === undefined) ok = false;
    else out.push(code);
  });
  return ok ? out : undefined;
}
