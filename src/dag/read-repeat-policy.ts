import type { RepeatPolicy } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { readExitCodes } from './read-retry-policy.ts';

const KEYS = new Set(['repeat', 'condition', 'expected', 'exit_code', 'interval_sec', 'limit', 'backoff', 'max_interval_sec']);

/**
 * Reads a step's `repeat_policy` (§18.3). The mode is `repeat: while|until` (`true` = while);
 * without one it is `until` for `condition` + `expected`, `while` for a bare `condition` or
 * `exit_code`, and no repeat otherwise. An explicit while/until needs a condition or exit codes.
 */
export function readRepeatPolicy(reader: SpecReader, at: At, value: unknown): RepeatPolicy | undefined {
  if (value === null || value === undefined) return undefined;
  const map = reader.map(at, value);
  if (!map) return undefined;
  let ok = true;
  for (const k of map.keys()) {
    if (!KEYS.has(String(k))) {
      reader.add(at.to(String(k)), `unknown repeat_policy key "${String(k)}"`, { on: 'key', hint: `use ${[...KEYS].join(', ')}` });
      ok = false;
    }
  }
  const str = (key: string): string | undefined => {
    const raw = map.get(key);
    if (raw === null || raw === undefined) return undefined;
    const s = typeof raw === 'number' ? String(raw) : reader.string(at.to(key), raw);
    if (s === undefined) ok = false;
    else if (s.trim() === '') {
      reader.add(at.to(key), 'must not be empty');
      ok = false;
    }
    return s;
  };
  const condition = str('condition');
  const expected = str('expected');
  if (expected !== undefined && condition === undefined) {
    reader.add(at.to('expected'), 'expected needs a condition', { on: 'key' });
    ok = false;
  }
  const exitCodes = readExitCodes(reader, at.to('exit_code'), map.get('exit_code'));
  if (exitCodes === undefined) ok = false;
  const rawMode = map.get('repeat');
  let mode: RepeatPolicy['mode'] | undefined;
  if (rawMode === true || rawMode === 'while') mode = 'while';
  else if (rawMode === 'until') mode = 'until';
  else if (rawMode === false) return undefined;
  else if (rawMode !== null && rawMode !== undefined) {
    reader.add(at.to('repeat'), `must be true, "while" or "until", got ${JSON.stringify(rawMode)}`);
    ok = false;
  }
  const hasCondition = condition !== undefined || (exitCodes?.length ?? 0) > 0;
  if ((rawMode === 'while' || rawMode === 'until') && !hasCondition) {
    reader.add(at.to('repeat'), `repeat: ${String(rawMode)} needs a condition or an exit_code`, { hint: 'add condition: <command or value> (with expected:) or exit_code: [..]' });
    ok = false;
  }
  if (mode === undefined) {
    if (condition !== undefined && expected !== undefined) mode = 'until';
    else if (hasCondition) mode = 'while';
  }
  const int = (key: string, min: number): number | undefined => {
    const raw = map.get(key);
    if (raw === null || raw === undefined) return undefined;
    const n = reader.integer(at.to(key), raw, min);
    if (n === undefined) ok = false;
    return n;
  };
  const intervalSec = int('interval_sec', 0);
  const limit = int('limit', 1);
  const maxIntervalSec = int('max_interval_sec', 0);
  let backoff: number | undefined;
  const rawBackoff = map.get('backoff');
  if (rawBackoff === true) backoff = 2;
  else if (typeof rawBackoff === 'number' && rawBackoff > 1) backoff = rawBackoff;
  else if (rawBackoff !== null && rawBackoff !== undefined && rawBackoff !== false) {
    reader.add(at.to('backoff'), `must be true or a number greater than 1, got ${JSON.stringify(rawBackoff)}`);
    ok = false;
  }
  if (!ok || mode === undefined) return undefined;
  const policy: RepeatPolicy = { mode, exitCodes: exitCodes ?? [], intervalSec: intervalSec ?? 0 };
  if (condition !== undefined) policy.condition = condition;
  if (expected !== undefined) policy.expected = expected;
  if (limit !== undefined) policy.limit = limit;
  if (backoff !== undefined) policy.backoff = backoff;
  if (maxIntervalSec !== undefined) policy.maxIntervalSec = maxIntervalSec;
  return policy;
}
