import type { OutputDecl } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { NAME } from './references.ts';

/**
 * Reads a step's `outputs` (§11.2): a non-empty list of `{name, type?}` (`type` is `string`,
 * the default, or `json`). The caller checks that the step has an `id`.
 */
export function readOutputs(reader: SpecReader, at: At, value: unknown): OutputDecl[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) {
    reader.wrongType(at, value, 'a list of {name, type} entries', 'e.g. outputs: [{name: version}]');
    return undefined;
  }
  if (value.length === 0) {
    reader.add(at, 'outputs must not be empty');
    return undefined;
  }
  const out: OutputDecl[] = [];
  value.forEach((item, i) => {
    const where = at.to(i);
    const map = reader.map(where, item, 'a {name, type} map');
    if (!map) return;
    for (const k of map.keys()) {
      const key = String(k);
      if (key === 'path') reader.add(where.to(key), 'output paths (build DAGs) are not supported by Troupe yet', { on: 'key' });
      else if (key !== 'name' && key !== 'type') reader.add(where.to(key), `unknown outputs key "${key}"`, { on: 'key', hint: 'use name and type' });
    }
    const name = map.get('name');
    if (typeof name !== 'string' || !NAME.test(name)) {
      reader.add(where.to('name'), name === undefined ? 'output needs a name' : `output name ${JSON.stringify(name)} must start with a letter and hold only letters, digits and "_"`, { field: 'name' });
      return;
    }
    if (out.some((o) => o.name === name)) {
      reader.add(where.to('name'), `duplicate output ${JSON.stringify(name)}`);
      return;
    }
    const type = map.get('type') ?? 'string';
    if (type !== 'string' && type !== 'json') {
      reader.add(where.to('type'), `output type must be "string" or "json", got ${JSON.stringify(type)}`);
      return;
    }
    out.push({ name, type });
  });
  return out;
}

/** Reads `dotenv` (§5.4): a path or list of paths; `.env` comes first unless `dotenv: []`. */
export function readDotenv(reader: SpecReader, at: At, value: unknown): string[] {
  if (value === null || value === undefined) return ['.env'];
  if (Array.isArray(value) && value.length === 0) return [];
  const paths = reader.stringList(at, value);
  return [...new Set(['.env', ...paths])];
}
