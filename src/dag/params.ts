import { TroupeError } from '../core/index.ts';
import type { DagParam } from './types.ts';
import { setOwn } from './set-own.ts';

// One token: an optional `KEY=` then a double-quoted, single-quoted, backquoted or bare value.
// Backquoted values are kept with their quotes: Dagu evaluates them as commands later.
const TOKEN = /\s*(?:([^\s="'`]+)=)?("(?:\\.|[^"\\])*"|'[^']*'|`(?:\\.|[^`\\])*`|[^\s"'`]+|(?=\s|$))/y;

/**
 * Splits a Dagu parameter string such as `A=1 B="x y" positional`. Positional values are named
 * after their place among all parameters (`1`, `2`, ...), as Dagu does. Returns `error` for an
 * unterminated quote and similar.
 */
export function parseParamString(input: string, firstIndex = 1): { params: DagParam[]; error?: string } {
  const params: DagParam[] = [];
  TOKEN.lastIndex = 0;
  let index = firstIndex;
  while (TOKEN.lastIndex < input.length) {
    if (/^\s*$/.test(input.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(input);
    if (!m || (m[1] === undefined && m[2] === '') || TOKEN.lastIndex === start) {
      return { params, error: `cannot parse parameters near ${JSON.stringify(input.slice(start).trim().slice(0, 20))} (unterminated quote?)` };
    }
    const after = input[TOKEN.lastIndex];
    if (after !== undefined && !/\s/.test(after)) {
      return { params, error: `cannot parse parameters near ${JSON.stringify(input.slice(start).trim().slice(0, 20))} (unterminated quote?)` };
    }
    params.push({ name: m[1] ?? String(index), value: unquote(m[2] ?? '') });
    index++;
  }
  return { params };
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}

/**
 * Parses run-time parameter overrides: a JSON object string (`{"K":"v"}`; string, number and
 * boolean values), a `K=v K2="x y"` string, or an object. Throws `INVALID_INPUT` otherwise.
 */
export function parseParamsOverride(input: string | Record<string, string>): Record<string, string> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return fromObject(input);
  if (typeof input !== 'string') throw new TroupeError('INVALID_INPUT', 'params must be a JSON object or a string of KEY=value pairs', { details: { field: 'params' } });
  const text = input.trim();
  if (text === '') return {};
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TroupeError('INVALID_INPUT', 'params looks like JSON but does not parse; send a JSON object such as {"KEY":"value"}', { details: { field: 'params' } });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TroupeError('INVALID_INPUT', 'params JSON must be an object such as {"KEY":"value"}', { details: { field: 'params' } });
    }
    return fromObject(parsed as Record<string, unknown>);
  }
  const { params, error } = parseParamString(text);
  if (error !== undefined) throw new TroupeError('INVALID_INPUT', `params: ${error}`, { details: { field: 'params' } });
  const out: Record<string, string> = {};
  for (const p of params) setOwn(out, p.name, p.value);
  return out;
}

function fromObject(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === '' || key.includes('=') || /\s/.test(key)) {
      throw new TroupeError('INVALID_INPUT', `params key ${JSON.stringify(key)} is not a valid name`, { details: { field: 'params' } });
    }
    if (typeof value === 'string') setOwn(out, key, value);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') setOwn(out, key, String(value));
    else throw new TroupeError('INVALID_INPUT', `params value of ${JSON.stringify(key)} must be a string, number or boolean`, { details: { field: 'params' } });
  }
  return out;
}
