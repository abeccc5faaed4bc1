import { TroupeError } from '../core/index.ts';
import type { DagSpec } from './types.ts';

/** The execution order of a DAG's steps and the edges between them. */
export interface Plan {
  /** Step names in a topological order; among ready steps, file order wins. */
  order: string[];
  /** For each step, the steps it depends on. */
  upstream: Record<string, string[]>;
  /** For each step, the steps that depend on it, in file order. */
  downstream: Record<string, string[]>;
}

/**
 * Finds one dependency cycle in `graph` (step → the steps it depends on). Returns its steps with
 * the first repeated at the end (`['a', 'b', 'a']`: a depends on b, b depends on a), or
 * `undefined`. Dependencies on names missing from `graph` are ignored.
 */
export function findCycle(graph: Readonly<Record<string, readonly string[]>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  for (const root of Object.keys(graph)) {
    if (state.has(root)) continue;
    // Iterative depth-first search: the stack holds the current path and, per node, the next edge to follow.
    const path: string[] = [root];
    const next: number[] = [0];
    state.set(root, 'open');
    while (path.length > 0) {
      const node = path[path.length - 1]!;
      const edges = graph[node] ?? [];
      const i = next[next.length - 1]!;
      if (i >= edges.length) {
        state.set(node, 'done');
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const dep = edges[i]!;
      if (!Object.hasOwn(graph, dep)) continue;
      const s = state.get(dep);
      if (s === 'open') return [...path.slice(path.indexOf(dep)), dep];
      if (s === undefined) {
        state.set(dep, 'open');
        path.push(dep);
        next.push(0);
      }
    }
  }
  return undefined;
}

/**
 * Orders a validated spec's steps. Throws `INVALID_SPEC` on a cycle or an unknown dependency,
 * which a spec from `loadDag` never has.
 */
export function buildPlan(spec: DagSpec): Plan {
  const upstream: Record<string, string[]> = {};
  const downstream: Record<string, string[]> = {};
  for (const step of spec.steps) {
    upstream[step.name] = [...new Set(step.depends)];
    downstream[step.name] = [];
  }
  for (const step of spec.steps) {
    for (const dep of upstream[step.name]!) {
      const list = downstream[dep];
      if (!list) throw new TroupeError('INVALID_SPEC', `step "${step.name}" depends on unknown step "${dep}"`);
      list.push(step.name);
    }
  }
  const cycle = findCycle(upstream);
  if (cycle) throw new TroupeError('INVALID_SPEC', `dependency cycle: ${cycle.join(' -> ')}`);
  // Kahn's algorithm, always taking the earliest ready step in file order.
  const waiting = new Map(spec.steps.map((s) => [s.name, upstream[s.name]!.length]));
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < spec.steps.length) {
    const ready = spec.steps.find((s) => !done.has(s.name) && waiting.get(s.name) === 0)!;
    done.add(ready.name);
    order.push(ready.name);
    for (const d of downstream[ready.name]!) waiting.set(d, waiting.get(d)! - 1);
  }
  return { order, upstream, downstream };
}

/** Every step that (transitively) depends on `stepName`, in plan order, without `stepName` itself. Throws `STEP_NOT_FOUND`. */
export function descendants(plan: Plan, stepName: string): string[] {
  if (!Object.hasOwn(plan.downstream, stepName)) throw new TroupeError('STEP_NOT_FOUND', `step "${stepName}" not found`, { details: { step: stepName } });
  const seen = new Set<string>();
  const stack = [...plan.downstream[stepName]!];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    stack.push(...(plan.downstream[s] ?? []));
  }
  return plan.order.filter((s) => seen.has(s));
}
