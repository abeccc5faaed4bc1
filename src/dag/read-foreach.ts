import type { ForeachSpec, StepSpec } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { readSteps } from './read-steps.ts';

const KEYS = ['items', 'steps', 'as', 'key', 'max_concurrent', 'collect'];
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A YAML value as plain JSON-like data (maps as objects). */
function plain(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/**
 * Reads `foreach` (§14.3) into `spec.foreach`: `items` (a list of any JSON values, or a string
 * that resolves to a JSON array at run time) and a non-empty `steps` body are required; `as`
 * (default `item`) is a name, not `index` or `key`; `max_concurrent` 1–1000 (default 10);
 * `collect` maps output names to strings. Body steps are read as a graph of their own, so their
 * `depends` stay inside the body. Unknown keys are problems.
 */
export function readForeach(reader: SpecReader, at: At, raw: unknown, spec: StepSpec): void {
  const map = reader.map(at, raw, 'a map with items and steps');
  if (!map) return;
  let ok = true;
  for (const k of map.keys()) {
    if (!KEYS.includes(String(k))) {
      reader.add(at.to(String(k)), `unknown foreach key "${String(k)}"`, { on: 'key', hint: `foreach takes ${KEYS.join(', ')}` });
      ok = false;
    }
  }
  const rawItems = map.get('items');
  let items: ForeachSpec['items'] | undefined;
  if (rawItems === null || rawItems === undefined) {
    reader.add(at.to('items'), 'foreach needs items', { field: 'items', hint: 'a list, or a string such as ${steps.list.outputs.files} holding a JSON array' });
    ok = false;
  } else if (typeof rawItems === 'string') {
    if (rawItems.trim() === '') {
      reader.add(at.to('items'), 'must not be empty');
      ok = false;
    } else items = rawItems;
  } else if (Array.isArray(rawItems)) {
    items = plain(rawItems) as unknown[];
    if (items.length > 1000) {
      reader.add(at.to('items'), 'foreach takes at most 1000 items');
      ok = false;
    }
  } else {
    reader.wrongType(at.to('items'), rawItems, 'a list of items or a string that resolves to a JSON array');
    ok = false;
  }
  let as = 'item';
  const rawAs = map.get('as');
  if (rawAs !== null && rawAs !== undefined) {
    const s = reader.string(at.to('as'), rawAs);
    if (s === undefined) ok = false;
    else if (!NAME.test(s)) {
      reader.add(at.to('as'), `foreach as ${JSON.stringify(s)} must start with a letter and hold only letters, digits and "_"`);
      ok = false;
    } else if (s === 'index' || s === 'key') {
      reader.add(at.to('as'), `foreach as must not be "${s}": \${foreach.${s}} is the item's ${s}`);
      ok = false;
    } else as = s;
  }
  let key: string | undefined;
  const rawKey = map.get('key');
  if (rawKey !== null && rawKey !== undefined) {
    key = typeof rawKey === 'number' ? String(rawKey) : reader.string(at.to('key'), rawKey);
    if (key === undefined) ok = false;
  }
  let maxConcurrent = 10;
  const mc = map.get('max_concurrent');
  if (mc !== null && mc !== undefined) {
    const n = reader.integer(at.to('max_concurrent'), mc, 1);
    if (n === undefined) ok = false;
    else if (n > 1000) {
      reader.add(at.to('max_concurrent'), 'must be at most 1000');
      ok = false;
    } else maxConcurrent = n;
  }
  let collect: Record<string, string> | undefined;
  const rawCollect = map.get('collect');
  if (rawCollect !== null && rawCollect !== undefined) {
    const c = reader.map(at.to('collect'), rawCollect, 'a map of output name to value');
    if (!c) ok = false;
    else {
      collect = {};
      for (const [k, v] of c) {
        const name = String(k);
        if (!NAME.test(name)) {
          reader.add(at.to('collect', name), `collect name ${JSON.stringify(name)} must start with a letter and hold only letters, digits and "_"`, { on: 'key' });
          ok = false;
        }
        const text = typeof v === 'number' || typeof v === 'boolean' ? String(v) : reader.string(at.to('collect', name), v);
        if (text === undefined) ok = false;
        else collect[name] = text;
      }
    }
  }
  const rawSteps = map.get('steps');
  if (rawSteps === null || rawSteps === undefined || (Array.isArray(rawSteps) && rawSteps.length === 0)) {
    reader.add(at.to('steps'), 'foreach needs a non-empty steps body', { field: 'steps', hint: 'e.g. steps: [{run: echo ${foreach.item}}]' });
    return;
  }
  const before = reader.problems.length;
  const steps = readSteps(reader, at.to('steps'), rawSteps, 'graph');
  for (const s of steps) {
    if (s.foreach) reader.add(at.to('steps'), `body step ${s.name}: a foreach inside a foreach body is not supported by Troupe yet`, { hint: 'move the inner loop into a sub-DAG (action: dag.run with parallel)' });
  }
  if (!ok || reader.problems.length > before || items === undefined) return;
  spec.foreach = { items, as, maxConcurrent, steps, document: '', ...(key !== undefined ? { key } : {}), ...(collect ? { collect } : {}) };
}
