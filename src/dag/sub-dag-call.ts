import type { StepLaunchInput } from './step-launch.ts';
import { stepEnvironment } from './step-launch.ts';
import { resolveValue } from './resolve-value.ts';

/** One child run a sub-DAG call asks for: its DAG and its params (a `K=v` string or a map). */
export interface PlannedChild {
  dag: string;
  params: string | Record<string, string>;
  /** For `parallel`: the item's position in the expanded list (the first, for coalesced duplicates). */
  index?: number;
}

/** A sub-DAG call resolved at dispatch (§13, §14.2): the children to run, how many at once. */
export interface SubDagCallPlan {
  mode: 'run' | 'enqueue';
  children: PlannedChild[];
  /** Items before coalescing (identical target + params collapse into one child run). */
  items: number;
  maxConcurrent: number;
  queue?: string;
}

/** Most parallel items per step (§14.2). */
export const MAX_PARALLEL_ITEMS = 1000;

type Item = string | number | boolean | Record<string, unknown>;

const ITEM_REF = /\$\{ITEM(?:\.([A-Za-z_][A-Za-z0-9_]*))?\}/g;

/** Text of a scalar or compact JSON of an object (how `${ITEM}` reads). */
function itemText(item: Item): string {
  return typeof item === 'object' ? JSON.stringify(item) : String(item);
}

/** `${ITEM}` and `${ITEM.field}` (top-level fields of object items) in resolved text. */
function withItem(text: string, item: Item | undefined): string {
  if (item === undefined) return text;
  return text.replace(ITEM_REF, (whole, field: string | undefined) => {
    if (field === undefined) return itemText(item);
    if (typeof item !== 'object' || !Object.hasOwn(item, field)) return whole;
    const v = item[field];
    return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  });
}

/**
 * Splits a string item source (§14.2): a JSON array (each entry an item), a JSON object (one
 * item), otherwise words split on newlines, commas, semicolons, pipes, tabs and unquoted
 * spaces (double quotes keep spaces; empty words dropped).
 */
export function splitItems(source: string): Item[] {
  const text = source.trim();
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map((v) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : v === null ? 'null' : (v as string | number | boolean)));
      if (parsed !== null && typeof parsed === 'object') return [parsed as Record<string, unknown>];
    } catch {
      // Not JSON: split into words below.
    }
  }
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let any = false;
  for (const c of text) {
    if (c === '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && /[\n\r,;|\t ]/.test(c)) {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur !== '' || any) out.push(cur);
  return out.filter((w) => w !== '');
}

/** Canonical text of params, for coalescing children with the same target and params. */
function canonical(params: string | Record<string, string>): string {
  if (typeof params === 'string') return `s:${params}`;
  return `m:${JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]))}`;
}

const stringify = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * Resolves a sub-DAG step's `with.dag`, `with.params` and `parallel` items with the step's
 * scope (the same lookup a `run` step has), at dispatch. Throws an `Error` with a user-facing
 * message for an empty target, 0 or too many items, or bad params.
 */
export function planSubDagCall(input: StepLaunchInput): SubDagCallPlan {
  const call = input.step.call;
  if (!call) throw new Error(`step ${input.step.name} calls no DAG`);
  const { env, lookup } = stepEnvironment(input);
  const text = (v: string): string => resolveValue(v, { lookup: (r) => lookup(r, env), env });
  const parallel = input.step.parallel;
  let items: Array<Item | undefined> = [undefined];
  if (parallel) {
    items = typeof parallel.items === 'string' ? splitItems(text(parallel.items)) : parallel.items.map((i) => (typeof i === 'object' ? { ...i } : i));
    if (items.length === 0) throw new Error('parallel: the items resolved to an empty list');
    if (items.length > MAX_PARALLEL_ITEMS) throw new Error(`parallel: ${items.length} items, at most ${MAX_PARALLEL_ITEMS} are allowed`);
  }
  const children: PlannedChild[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const resolve = (v: string) => withItem(text(v), item);
    const dag = resolve(call.dag).trim();
    if (dag === '') throw new Error('with.dag resolved to an empty name');
    let params: string | Record<string, string>;
    const p = call.params;
    if (p === undefined) params = item === undefined ? {} : typeof item === 'object' ? Object.fromEntries(Object.entries(item).map(([k, v]) => [k, stringify(v)])) : String(item);
    else if (typeof p === 'string') params = resolve(p);
    else if (Array.isArray(p)) {
      params = {};
      for (const entry of p) {
        if (typeof entry === 'string') {
          const r = resolve(entry);
          const eq = r.indexOf('=');
          if (eq <= 0) throw new Error(`with.params: ${JSON.stringify(entry)} is not KEY=value`);
          params[r.slice(0, eq)] = r.slice(eq + 1);
        } else if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
          for (const [k, v] of Object.entries(entry)) params[k] = typeof v === 'string' ? resolve(v) : stringify(v);
        } else throw new Error('with.params: a list entry must be KEY=value or a single-key map');
      }
    } else params = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? resolve(v) : stringify(v)]));
    const key = `${dag}\u0000${canonical(params)}`;
    if (seen.has(key)) return;
    seen.add(key);
    children.push({ dag, params, ...(parallel ? { index } : {}) });
  });
  const plan: SubDagCallPlan = { mode: call.mode, children, items: items.length, maxConcurrent: parallel?.maxConcurrent ?? 1 };
  if (call.queue !== undefined) plan.queue = call.queue;
  return plan;
}
