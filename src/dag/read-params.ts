import type { DagParam } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';
import { parseParamString } from './params.ts';
import { NAME, scalarText } from './references.ts';
import { checkParamValue, normalizeTyped } from './param-values.ts';

const RICH_KEYS = new Set(['name', 'default', 'eval', 'type', 'description', 'required', 'enum', 'minimum', 'maximum', 'min_length', 'max_length', 'pattern', 'label']);
const CAMEL = new Map([['minLength', 'min_length'], ['maxLength', 'max_length']]);
const TYPES = new Set(['string', 'integer', 'number', 'boolean']);

/**
 * Reads `params` (§4.1): a string (`"A=1 B=\"x y\" positional"`), a map, or a list mixing
 * `KEY: value` maps, `KEY=value` strings and rich entries (`{name, default, type, required,
 * enum, minimum, maximum, min_length, max_length, pattern, eval, description}`). Defaults and
 * metadata are literal. JSON-Schema forms are reported as not supported yet.
 */
export function readParams(reader: SpecReader, at: At, value: unknown): DagParam[] {
  const out: DagParam[] = [];
  const push = (where: At, p: DagParam): void => {
    if (!p.positional && !NAME.test(p.name)) {
      reader.add(where, `param name ${JSON.stringify(p.name)} must start with a letter and hold only letters, digits and "_"`);
      return;
    }
    if (!p.positional && out.some((o) => o.name === p.name)) {
      reader.add(where, `duplicate param ${JSON.stringify(p.name)}`);
      return;
    }
    out.push(p);
  };
  const fromText = (where: At, text: string): void => {
    const trimmed = text.trim();
    if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
      try {
        const parsed = JSON.parse(trimmed) as unknown;
        if (Array.isArray(parsed)) {
          for (const v of parsed) push(where, { name: String(out.length + 1), value: scalarText(v), positional: true });
          return;
        }
        if (parsed !== null && typeof parsed === 'object') {
          for (const [k, v] of Object.entries(parsed)) push(where, { name: k, value: typeof v === 'string' ? v : JSON.stringify(v) });
          return;
        }
      } catch {
        // Not JSON: read as parameter text.
      }
    }
    const { params, error } = parseParamString(text, out.length + 1);
    if (error !== undefined) reader.add(where, error, { hint: 'quote values with spaces: KEY="a value"' });
    for (const p of params) push(where, /^\d+$/.test(p.name) ? { ...p, positional: true } : p);
  };
  const fromMap = (where: At, map: YamlMap): void => {
    if (map.has('name') && [...map.keys()].some((k) => String(k) !== 'name' && (RICH_KEYS.has(String(k)) || CAMEL.has(String(k))))) {
      const p = readRich(reader, where, map);
      if (p) push(where.to('name'), p);
      return;
    }
    for (const [key, raw] of map) {
      const k = String(key);
      if (raw instanceof Map) {
        reader.add(where.to(k), `param ${JSON.stringify(k)} is a nested map`, { hint: `rewrite as "- name: ${k}" with its fields (default, type, ...) beside it` });
        continue;
      }
      if (raw === null || raw === undefined) push(where.to(k), { name: k, value: '' });
      else {
        const v = typeof raw === 'number' ? scalarText(raw) : reader.string(where.to(k), raw);
        if (v !== undefined) push(where.to(k), { name: k, value: v });
      }
    }
  };
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') fromText(at, value);
  else if (typeof value === 'number' || typeof value === 'boolean') fromText(at, scalarText(value));
  else if (value instanceof Map) {
    if (value.has('properties') || value.get('type') === 'object' || value.has('$schema') || value.has('schema')) {
      reader.add(at, 'JSON-Schema params are not supported by Troupe yet', { hint: 'list the params as rich entries: - name: X, type: integer, default: 1' });
    } else fromMap(at, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const where = at.to(i);
      if (typeof item === 'string') {
        const p = listItem(item, out.length + 1);
        push(where, p);
      } else if (item instanceof Map) fromMap(where, item);
      else reader.wrongType(where, item, 'a KEY: value map or a KEY=value string');
    });
  } else reader.wrongType(at, value, 'a string, a map or a list');
  return out;
}

function readRich(reader: SpecReader, at: At, map: YamlMap): DagParam | undefined {
  let ok = true;
  for (const key of map.keys()) {
    const k = String(key);
    if (CAMEL.has(k)) {
      reader.add(at.to(k), `unknown param field "${k}"`, { on: 'key', hint: `write ${CAMEL.get(k)}` });
      ok = false;
    } else if (!RICH_KEYS.has(k)) {
      reader.add(at.to(k), `unknown param field "${k}"`, { on: 'key', hint: 'use default, eval, type, required, enum, minimum, maximum, min_length, max_length, pattern or description' });
      ok = false;
    }
  }
  const name = map.get('name');
  if (typeof name !== 'string' || name === '') {
    reader.add(at.to('name'), 'must be a non-empty string');
    return undefined;
  }
  const p: DagParam = { name, value: '', hasDefault: false };
  const type = map.get('type');
  if (type !== undefined && type !== null) {
    if (typeof type !== 'string' || !TYPES.has(type)) {
      reader.add(at.to('type'), `param type must be string, integer, number or boolean, got ${JSON.stringify(type)}`);
      ok = false;
    } else p.type = type as DagParam['type'];
  }
  const t = p.type ?? 'string';
  const text = (k: string): string | undefined => {
    const v = map.get(k);
    if (v === undefined || v === null) return undefined;
    return reader.string(at.to(k), v);
  };
  const description = text('description');
  if (description !== undefined) p.description = description;
  const evalText = text('eval');
  if (evalText !== undefined) p.eval = evalText;
  if (map.has('required')) {
    const r = reader.boolean(at.to('required'), map.get('required'));
    if (r === undefined) ok = false;
    else p.required = r;
  }
  const numeric = (k: 'minimum' | 'maximum'): void => {
    if (!map.has(k)) return;
    const v = map.get(k);
    if (t !== 'integer' && t !== 'number') {
      reader.add(at.to(k), `${k} applies to integer and number params only`, { on: 'key' });
      ok = false;
    } else if (typeof v !== 'number' || (t === 'integer' && !Number.isInteger(v))) {
      reader.wrongType(at.to(k), v, t === 'integer' ? 'a whole number' : 'a number');
      ok = false;
    } else p[k] = v;
  };
  numeric('minimum');
  numeric('maximum');
  const length = (k: 'min_length' | 'max_length', field: 'minLength' | 'maxLength'): void => {
    if (!map.has(k)) return;
    if (t !== 'string') {
      reader.add(at.to(k), `${k} applies to string params only`, { on: 'key' });
      ok = false;
      return;
    }
    const v = reader.integer(at.to(k), map.get(k), 0);
    if (v === undefined) ok = false;
    else p[field] = v;
  };
  length('min_length', 'minLength');
  length('max_length', 'maxLength');
  if (map.has('pattern')) {
    const v = map.get('pattern');
    if (t !== 'string') {
      reader.add(at.to('pattern'), 'pattern applies to string params only', { on: 'key' });
      ok = false;
    } else if (typeof v !== 'string') {
      reader.wrongType(at.to('pattern'), v, 'a string');
      ok = false;
    } else {
      try {
        new RegExp(v, 'u');
        p.pattern = v;
      } catch (error) {
        reader.add(at.to('pattern'), `pattern does not compile: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
        ok = false;
      }
    }
  }
  if (p.minimum !== undefined && p.maximum !== undefined && p.minimum > p.maximum) {
    reader.add(at.to('minimum'), `minimum ${p.minimum} is greater than maximum ${p.maximum}`);
    ok = false;
  }
  if (p.minLength !== undefined && p.maxLength !== undefined && p.minLength > p.maxLength) {
    reader.add(at.to('min_length'), `min_length ${p.minLength} is greater than max_length ${p.maxLength}`);
    ok = false;
  }
  if (map.has('enum')) {
    const raw = map.get('enum');
    if (!Array.isArray(raw) || raw.length === 0) {
      reader.wrongType(at.to('enum'), raw, 'a non-empty list of values');
      ok = false;
    } else {
      const values: string[] = [];
      raw.forEach((v, i) => {
        if (v instanceof Map || Array.isArray(v) || v === null) {
          reader.wrongType(at.to('enum', i), v, 'a scalar');
          ok = false;
          return;
        }
        const n = normalizeTyped(t, v);
        if ('error' in n) {
          reader.add(at.to('enum', i), n.error);
          ok = false;
        } else values.push(n.value);
      });
      p.enum = values;
    }
  }
  if (map.has('default') && map.get('default') !== null) {
    const raw = map.get('default');
    if (raw instanceof Map || Array.isArray(raw)) {
      reader.wrongType(at.to('default'), raw, 'a scalar');
      return undefined;
    }
    const n = normalizeTyped(t, raw);
    if ('error' in n) {
      reader.add(at.to('default'), n.error);
      return undefined;
    }
    p.value = n.value;
    p.hasDefault = true;
    if (ok) {
      const problem = checkParamValue(p, p.value);
      if (problem !== undefined) reader.add(at.to('default'), `default ${problem}`);
    }
  }
  return ok ? p : undefined;
}

/** A list item is one parameter, so `- MSG=hello world` keeps its spaces. */
function listItem(text: string, index: number): DagParam {
  const m = /^([^\s="'`]+)=(.*)$/s.exec(text.trim());
  if (!m) return { name: String(index), value: text, positional: true };
  const v = m[2]!;
  const quoted = v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")));
  return { name: m[1]!, value: quoted ? v.slice(1, -1) : v };
}
