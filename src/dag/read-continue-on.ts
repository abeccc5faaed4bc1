import type { ContinueOn } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { readExitCodes } from './read-retry-policy.ts';
import { snakeCase } from './spec-keys.ts';

/** The default: stop the DAG when a step fails or is skipped. */
export function noContinue(): ContinueOn {
  return { failure: false, skipped: false, exitCodes: [], markSuccess: false };
}

/**
 * Reads `continue_on`: `"failed"` / `"skipped"` (also `"failure"`), or a map `{failure, skipped,
 * exit_code, mark_success}`. Dagu's `output` condition is reported as unsupported, since
 * ignoring it would turn "continue only on this output" into "never continue".
 */
export function readContinueOn(reader: SpecReader, at: At, value: unknown): ContinueOn {
  const out = noContinue();
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'failed' || v === 'failure') out.failure = true;
    else if (v === 'skipped') out.skipped = true;
    else reader.add(at, `must be "failed" or "skipped", got ${JSON.stringify(value)}`, { hint: 'or a map such as {failure: true, exit_code: [1]}' });
    return out;
  }
  const map = reader.map(at, value, 'a string or a map');
  if (!map) return out;
  for (const [key, raw] of map) {
    const k = String(key);
    const where = at.to(k);
    if (k === 'failure' || k === 'skipped') {
      const b = reader.boolean(where, raw);
      if (b !== undefined) out[k] = b;
    } else if (k === 'mark_success') {
      const b = reader.boolean(where, raw);
      if (b !== undefined) out.markSuccess = b;
    } else if (k === 'exit_code') {
      out.exitCodes = readExitCodes(reader, where, raw) ?? [];
    } else if (k === 'output') {
      reader.add(where, 'continue_on key "output" is not supported by Troupe', { on: 'key', hint: 'use exit_code instead' });
    } else {
      const snake = snakeCase(k);
      reader.add(where, `unknown continue_on key "${k}"`, { on: 'key', hint: snake !== k ? `use snake_case keys (${k} -> ${snake})` : 'use failure, skipped, exit_code or mark_success' });
    }
  }
  return out;
}
