import type { DagSpec } from './types.ts';

const cache = new WeakMap<DagSpec, Map<string, Set<string>>>();

/** For every step, the names of the steps it depends on directly or transitively. */
export function ancestorsOf(spec: DagSpec): Map<string, Set<string>> {
  const hit = cache.get(spec);
  if (hit) return hit;
  const byName = new Map(spec.steps.map((s) => [s.name, s]));
  const out = new Map<string, Set<string>>();
  const visit = (name: string, trail: Set<string>): Set<string> => {
    const known = out.get(name);
    if (known) return known;
    const set = new Set<string>();
    if (trail.has(name)) return set; // a cycle (reported elsewhere)
    trail.add(name);
    for (const d of byName.get(name)?.depends ?? []) {
      set.add(d);
      for (const a of visit(d, trail)) set.add(a);
    }
    trail.delete(name);
    out.set(name, set);
    return set;
  };
  for (const s of spec.steps) visit(s.name, new Set());
  cache.set(spec, out);
  return out;
}

/**
 * The steps whose string `output:` a step sees (§5.3), in the order that makes the right one
 * win: breadth-first upstream from the step's `depends` left to right, each step once; a
 * later-visited predecessor wins, so the result lists the winner last.
 */
export function predecessorOrder(spec: DagSpec, stepName: string): string[] {
  const byName = new Map(spec.steps.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const order: string[] = [];
  const queue = [...(byName.get(stepName)?.depends ?? [])];
  while (queue.length > 0) {
    const n = queue.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    order.push(n);
    queue.push(...(byName.get(n)?.depends ?? []));
  }
  return order;
}
