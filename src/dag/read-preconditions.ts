import type { Precondition } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { compileExpected } from './precondition-match.ts';

/**
 * Reads `preconditions` (§15.1): a non-empty string (a command), or a list of non-empty strings
 * and `{condition | eval, expected?, negate?}` maps. `eval` needs `expected`; `re:` patterns must
 * compile. The legacy `precondition` key is read the same way by the callers.
 */
export function readPreconditions(reader: SpecReader, at: At, value: unknown): Precondition[] {
  const out: Precondition[] = [];
  const one = (where: At, item: unknown): void => {
    if (typeof item === 'string') {
      if (item.trim() === '') reader.add(where, 'precondition must not be empty');
      else out.push({ condition: item, negate: false });
      return;
    }
    const map = reader.map(where, item, 'a string or a {condition, expected} map');
    if (!map) return;
    let condition: string | undefined;
    let evalText: string | undefined;
    let expected: string | undefined;
    let negate = false;
    for (const [key, raw] of map) {
      const k = String(key);
      if (k === 'condition') condition = reader.string(where.to(k), raw);
      else if (k === 'eval') evalText = reader.string(where.to(k), raw);
      else if (k === 'expected') expected = reader.string(where.to(k), raw);
      else if (k === 'negate') negate = reader.boolean(where.to(k), raw) ?? false;
      else reader.add(where.to(k), `unknown precondition key "${k}"`, { on: 'key', hint: k === 'command' ? 'command was replaced by condition' : 'use condition (or eval), expected and negate' });
    }
    if (map.has('condition') && map.has('eval')) {
      reader.add(where.to('eval'), 'use either condition or eval, not both', { on: 'key' });
      return;
    }
    if (!map.has('condition') && !map.has('eval')) {
      reader.add(where.to('condition'), 'precondition needs a condition or an eval', { field: 'condition', hint: 'e.g. {condition: "${params.DAY}", expected: "monday"}' });
      return;
    }
    const text = condition ?? evalText;
    const field = map.has('eval') ? 'eval' : 'condition';
    if (text === undefined) return;
    if (text.trim() === '') {
      reader.add(where.to(field), 'must not be empty');
      return;
    }
    if (map.has('expected') && expected !== undefined) {
      if (expected === '') {
        reader.add(where.to('expected'), 'must not be empty');
        return;
      }
      const compiled = compileExpected(expected);
      if ('error' in compiled) {
        reader.add(where.to('expected'), compiled.error);
        return;
      }
    }
    if (field === 'eval' && expected === undefined) {
      if (!map.has('expected')) reader.add(where.to('eval'), 'eval needs expected (the value to compare with)', { on: 'key', hint: 'e.g. {eval: "$(date +%u)", expected: "1"}' });
      return;
    }
    const p: Precondition = { condition: text, negate };
    if (field === 'eval') p.eval = true;
    if (expected !== undefined) p.expected = expected;
    out.push(p);
  };
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) value.forEach((item, i) => one(at.to(i), item));
  else if (typeof value === 'string') one(at, value);
  else if (value instanceof Map) one(at, value);
  else reader.wrongType(at, value, 'a command string or a list of preconditions');
  return out;
}
