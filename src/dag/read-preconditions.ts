import type { Precondition } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';

/**
 * Reads `preconditions`: a string (a shell command whose exit code decides), a list of strings,
 * a `{condition, expected?, negate?}` map, or a list mixing both.
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
    let expected: string | undefined;
    let negate = false;
    for (const [key, raw] of map) {
      const k = String(key);
      if (k === 'condition') condition = reader.string(where.to(k), raw);
      else if (k === 'expected') expected = reader.string(where.to(k), raw);
      else if (k === 'negate') negate = reader.boolean(where.to(k), raw) ?? false;
      else reader.add(where.to(k), `unknown precondition key "${k}"`, { on: 'key', hint: 'use condition, expected and negate' });
    }
    if (!map.has('condition')) {
      reader.add(where.to('condition'), 'precondition needs a condition', { field: 'condition', hint: 'e.g. {condition: "${DAY}", expected: "monday"}' });
      return;
    }
    if (condition === undefined) return;
    if (condition.trim() === '') {
      reader.add(where.to('condition'), 'must not be empty');
      return;
    }
    out.push(expected === undefined ? { condition, negate } : { condition, expected, negate });
  };
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) value.forEach((item, i) => one(at.to(i), item));
  else one(at, value);
  return out;
}
