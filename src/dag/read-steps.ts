import type { HandlerKind, StepSpec } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { readStep } from './read-step.ts';
import type { ReadStep } from './read-step.ts';
import { findCycle } from './plan.ts';

const STEP_ID = /^[A-Za-z][A-Za-z0-9_]*$/;
const STEP_ID_MAX = 40;
/** Ids that would read as a namespace in references (§2.3), compared case-insensitively. */
const RESERVED_IDS = new Set(['env', 'params', 'args', 'stdout', 'stderr', 'output', 'outputs']);

/** Why a step id is not valid (§2.3), or `undefined`. */
export function stepIdProblem(id: string): string | undefined {
  if (!STEP_ID.test(id)) return `step id ${JSON.stringify(id)} must start with a letter and hold only letters, digits and "_"`;
  if (Buffer.byteLength(id, 'utf8') > STEP_ID_MAX) return `step id ${JSON.stringify(id)} must be at most ${STEP_ID_MAX} bytes`;
  if (RESERVED_IDS.has(id.toLowerCase())) return `step id ${JSON.stringify(id)} is reserved`;
  return undefined;
}

/**
 * Reads `steps` (a list, or a map name → step) and checks the graph: duplicate names and ids,
 * unknown dependencies (a dependency may name a step or its id) and cycles. For `chain` DAGs each
 * step also depends on the one before it. Steps without a name get `step_<n>` (n = position).
 */
export function readSteps(reader: SpecReader, at: At, value: unknown, type: 'graph' | 'chain'): StepSpec[] {
  const items = stepItems(reader, at, value);
  if (items === undefined) return [];
  // A step with an id and no name is named after its id (§2.2).
  for (const item of items) {
    if (item.name !== undefined || !(item.value instanceof Map)) continue;
    const id = item.value.get('id');
    if (typeof id === 'string' && id.trim() !== '') item.name = id.trim();
  }
  const taken = new Set(items.map((i) => i.name).filter((n): n is string => n !== undefined));
  items.forEach((item, i) => {
    if (item.name !== undefined) return;
    let name = `step_${i + 1}`;
    for (let k = 2; taken.has(name); k++) name = `step_${i + 1}_${k}`;
    taken.add(name);
    item.name = name;
  });
  const steps = items.map((item) => readStep(reader, item.at.inStep(item.name), item.value, item.name!, item.nameAt?.inStep(item.name)));
  checkGraph(reader, steps, type);
  return steps.map((s) => s.spec);
}

interface Item {
  at: At;
  value: unknown;
  name?: string;
  nameAt?: At;
}

function stepItems(reader: SpecReader, at: At, value: unknown): Item[] | undefined {
  const hint = 'add at least one step, e.g. steps: [{name: hello, run: echo hello}]';
  if (value === null || value === undefined) {
    reader.add(at, 'steps are required', { field: 'steps', hint });
    return undefined;
  }
  const items: Item[] = [];
  if (value instanceof Map) {
    for (const [key, step] of value) {
      const name = String(key);
      const where = at.to(name);
      if (step instanceof Map && step.has('name') && String(step.get('name')) !== name) {
        reader.add(where.to('name').inStep(name), `step name ${JSON.stringify(String(step.get('name')))} differs from its key ${JSON.stringify(name)}`, { hint: 'in a steps map the key is the name; drop name:' });
      }
      items.push({ at: where, value: step, name, nameAt: where });
    }
  } else if (Array.isArray(value)) {
    value.forEach((step, i) => {
      const where = at.to(i);
      if (Array.isArray(step)) {
        reader.add(where, 'nested step lists (parallel groups) are not supported by Troupe', { field: 'steps', hint: 'list the steps flat and use depends' });
        return;
      }
      const item: Item = { at: where, value: step };
      const raw = step instanceof Map ? step.get('name') : undefined;
      if (raw !== undefined && raw !== null) {
        if (raw instanceof Map || Array.isArray(raw)) reader.wrongType(where.to('name'), raw, 'a string');
        else if (String(raw).trim() !== '') {
          item.name = String(raw).trim();
          item.nameAt = where.to('name');
        }
      }
      items.push(item);
    });
  } else {
    reader.wrongType(at, value, 'a list of steps');
    return undefined;
  }
  if (items.length === 0 && (value instanceof Map ? value.size === 0 : (value as unknown[]).length === 0)) {
    reader.add(at, 'steps must not be empty', { field: 'steps', hint });
  }
  return items;
}

function checkGraph(reader: SpecReader, steps: ReadStep[], type: 'graph' | 'chain'): void {
  const byName = new Map<string, ReadStep>();
  for (const s of steps) {
    const first = byName.get(s.spec.name);
    if (first) reader.add(s.nameAt ?? s.at, `duplicate step name ${JSON.stringify(s.spec.name)} (also ${first.at.path})`, { field: 'name' });
    else byName.set(s.spec.name, s);
  }
  const byId = new Map<string, ReadStep>();
  for (const s of steps) {
    const id = s.spec.id;
    if (id === undefined) continue;
    const where = s.at.to('id');
    const problem = stepIdProblem(id);
    if (problem !== undefined) reader.add(where, problem);
    else if (byId.has(id)) reader.add(where, `duplicate step id ${JSON.stringify(id)} (also ${byId.get(id)!.at.path})`);
    else if (byName.has(id) && byName.get(id) !== s) reader.add(where, `step id ${JSON.stringify(id)} is the name of another step`);
    else byId.set(id, s);
  }
  for (const s of steps) {
    const other = byId.get(s.spec.name);
    if (other && other !== s && s.nameAt) reader.add(s.nameAt, `step name ${JSON.stringify(s.spec.name)} is the id of another step`, { field: 'name' });
  }
  let previous: ReadStep | undefined;
  for (const s of steps) {
    if (type === 'chain' && s.hasDepends) reader.add(s.at.to('depends'), 'a chain DAG orders its steps by position; depends is not allowed', { on: 'key', hint: 'remove depends, or use type: graph' });
    const resolved: string[] = [];
    for (const d of s.depends) {
      const target = byName.get(d.name) ?? byId.get(d.name);
      if (!target) {
        const others = [...byName.keys()].filter((n) => n !== s.spec.name);
        reader.add(d.at, `unknown step ${JSON.stringify(d.name)}`, { field: 'depends', ...(others.length > 0 ? { hint: `known steps: ${others.slice(0, 10).join(', ')}` } : {}) });
        continue;
      }
      if (!resolved.includes(target.spec.name)) resolved.push(target.spec.name);
    }
    if (type === 'chain' && previous && !resolved.includes(previous.spec.name)) resolved.push(previous.spec.name);
    s.spec.depends = resolved;
    previous = s;
  }
  const graph: Record<string, string[]> = {};
  for (const s of byName.values()) graph[s.spec.name] = s.spec.depends;
  const cycle = findCycle(graph);
  if (cycle) {
    const head = byName.get(cycle[0]!)!;
    reader.add(head.at.to('depends'), `dependency cycle: ${cycle.map((n) => JSON.stringify(n)).join(' -> ')} (each step depends on the next)`, { field: 'depends' });
  }
}

/** Handler steps: `handler_on: {success, failure, abort, exit}`, named `onSuccess`... unless named. */
export function readHandlers(reader: SpecReader, at: At, value: unknown): Partial<Record<HandlerKind, StepSpec>> {
  const out: Partial<Record<HandlerKind, StepSpec>> = {};
  if (value === null || value === undefined) return out;
  const map = reader.map(at, value);
  if (!map) return out;
  for (const [key, raw] of map) {
    const kind = String(key);
    const where = at.to(kind);
    if (kind !== 'success' && kind !== 'failure' && kind !== 'abort' && kind !== 'exit') {
      const hint = kind === 'cancel' ? 'cancel was renamed to abort' : kind === 'init' || kind === 'wait' ? `the ${kind} handler is not supported by Troupe` : 'use success, failure, abort or exit';
      reader.add(where, `unknown handler_on key "${kind}"`, { on: 'key', hint });
      continue;
    }
    const rawName = raw instanceof Map ? raw.get('name') : undefined;
    const explicit = rawName !== undefined && rawName !== null && !(rawName instanceof Map) && !Array.isArray(rawName);
    const name = explicit ? String(rawName) : `on${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    const step = readStep(reader, where.inStep(name), raw, name, explicit ? where.to('name').inStep(name) : undefined);
    // Handlers run after the steps; dependencies have no meaning for them and are dropped.
    step.spec.depends = [];
    out[kind] = step.spec;
  }
  return out;
}
