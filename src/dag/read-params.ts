import type { DagParam } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { parseParamString } from './params.ts';

const RICH_KEYS = new Set(['name', 'default', 'type', 'description', 'required', 'enum', 'label']);

/**
 * Reads `params`: a string (`"A=1 B=\"x y\" positional"`), a map, or a list mixing `KEY: value`
 * maps, `KEY=value` strings and rich entries (`{name, default, type, ...}`, whose value is the
 * default). JSON-schema forms are reported as unsupported.
 */
export function readParams(reader: SpecReader, at: At, value: unknown): DagParam[] {
  const out: DagParam[] = [];
  const fromText = (where: At, text: string): void => {
    const { params, error } = parseParamString(text, out.length + 1);
    if (error !== undefined) reader.add(where, error, { hint: 'quote values with spaces: KEY="a value"' });
    out.push(...params);
  };
  const fromMap = (where: At, map: Map<unknown, unknown>): void => {
    if (isRich(map)) {
      const name = reader.string(where.to('name'), map.get('name'));
      const def = map.get('default');
      const v = def === null || def === undefined ? '' : reader.string(where.to('default'), def);
      if (name !== undefined && name !== '' && v !== undefined) out.push({ name, value: v });
      return;
    }
    for (const [key, raw] of map) {
      const k = String(key);
      if (raw === null || raw === undefined) out.push({ name: k, value: '' });
      else {
        const v = reader.string(where.to(k), raw);
        if (v !== undefined) out.push({ name: k, value: v });
      }
    }
  };
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') fromText(at, value);
  else if (typeof value === 'number' || typeof value === 'boolean') fromText(at, String(value));
  else if (value instanceof Map) {
    if (value.has('properties') || value.get('type') === 'object' || value.has('$schema')) {
      reader.add(at, 'JSON-schema params are not supported by Troupe', { hint: 'list the params as KEY: default entries' });
    } else fromMap(at, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const where = at.to(i);
      if (typeof item === 'string') out.push(listItem(item, out.length + 1));
      else if (item instanceof Map) fromMap(where, item);
      else reader.wrongType(where, item, 'a KEY: value map or a KEY=value string');
    });
  } else reader.wrongType(at, value, 'a string, a map or a list');
  return out;
}

/** A list item is one parameter, so `- MSG=hello world` keeps its spaces. */
function listItem(text: string, index: number): DagParam {
  const m = /^([^\s="'`]+)=(.*)$/s.exec(text.trim());
  if (!m) return { name: String(index), value: text };
  const v = m[2]!;
  const quoted = v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")));
  return { name: m[1]!, value: quoted ? v.slice(1, -1) : v };
}

/** A rich entry has a `name` plus at least one other rich key, and nothing else. */
function isRich(map: Map<unknown, unknown>): boolean {
  if (!map.has('name') || map.size < 2) return false;
  for (const key of map.keys()) if (!RICH_KEYS.has(String(key))) return false;
  return true;
}
