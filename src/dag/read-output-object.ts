import type { OutputEntry } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';

const DECODES = new Set(['text', 'json', 'yaml']);
const RESERVED = ['value', 'from', 'path', 'decode', 'select'];

/** Why an artifact path is not allowed (§11.4: relative, inside the artifacts directory), or `undefined`. */
export function artifactPathProblem(path: string): string | undefined {
  if (path.startsWith('/') || path.startsWith('~')) return 'an artifact path must be relative to the artifacts directory';
  if (path.split(/[\\/]/).includes('..')) return 'an artifact path must stay inside the artifacts directory (no "..")';
  return undefined;
}

/**
 * Reads the object form of `output:` (§11.1): each entry is a literal JSON value, `{value: …}`,
 * `{from: stdout|stderr, decode?}` or `{from: file, path, decode?}` (`decode`: text, json, yaml).
 * Maps using the reserved keys must use the structured form; `select` is not supported yet.
 */
export function readOutputObject(reader: SpecReader, at: At, map: YamlMap): Record<string, OutputEntry> | undefined {
  const out: Record<string, OutputEntry> = {};
  let ok = true;
  for (const [k, raw] of map) {
    const key = String(k);
    const where = at.to(key);
    if (!(raw instanceof Map)) {
      out[key] = { kind: 'value', value: toPlain(raw) };
      continue;
    }
    const keys = [...raw.keys()].map(String);
    if (!keys.some((x) => RESERVED.includes(x))) {
      out[key] = { kind: 'value', value: toPlain(raw) };
      continue;
    }
    for (const x of keys) {
      if (x === 'select') {
        reader.add(where.to(x), 'output select is not supported by Troupe yet', { on: 'key' });
        ok = false;
      } else if (!RESERVED.includes(x)) {
        reader.add(where.to(x), `unknown output key "${x}"`, { on: 'key', hint: 'use value, or from (stdout, stderr, file) with path and decode' });
        ok = false;
      }
    }
    if (raw.has('value')) {
      if (keys.length > 1) {
        reader.add(where.to('value'), 'value stands alone (no from, path or decode)', { on: 'key' });
        ok = false;
      }
      out[key] = { kind: 'value', value: toPlain(raw.get('value')) };
      continue;
    }
    const decode = raw.get('decode') ?? 'text';
    if (typeof decode !== 'string' || !DECODES.has(decode)) {
      reader.add(where.to('decode'), 'decode must be text, json or yaml');
      ok = false;
      continue;
    }
    const from = raw.get('from');
    if (from === 'stdout' || from === 'stderr') {
      if (raw.has('path')) reader.add(where.to('path'), `path is only for from: file`, { on: 'key' });
      out[key] = { kind: 'stream', from, decode: decode as 'text' };
    } else if (from === 'file') {
      const path = raw.get('path');
      if (typeof path !== 'string' || path.trim() === '') {
        reader.add(where.to('path'), 'from: file needs a path');
        ok = false;
        continue;
      }
      out[key] = { kind: 'file', path, decode: decode as 'text' };
    } else {
      reader.add(where.to('from'), 'from must be stdout, stderr or file');
      ok = false;
    }
  }
  return ok ? out : undefined;
}

function toPlain(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v)]));
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}
