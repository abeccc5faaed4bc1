// Graph layout with @dagrejs/dagre: the run's DAG and the statechart of a machine.
import { Graph, layout } from '@dagrejs/dagre';
import type { MachineJson, StateJson } from '../visualizer/machine-graph.ts';

export interface Box {
  id: string;
  x: number; // top-left
  y: number;
  w: number;
  h: number;
}
export interface EdgePath {
  id: string;
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
  label?: string;
  lx?: number;
  ly?: number;
}
export interface Layout {
  width: number;
  height: number;
  nodes: Box[];
  edges: EdgePath[];
}

const CHAR_W = 7;

/** Above this many nodes a DAG gets the linear-time layered layout instead of dagre's. */
const DAGRE_MAX_NODES = 60;

/**
 * Lays out a DAG: nodes with sizes, edges `from → to`, ranks left to right. dagre for small
 * graphs (its edge routing is nicer); for large ones (a 200-step DAG took dagre about a second,
 * over the first-render budget) a layered layout that runs in linear time per sweep.
 */
export function layoutDag(nodes: Array<{ id: string; w: number; h: number }>, edges: Array<{ from: string; to: string; label?: string }>, rankdir: 'LR' | 'TB' = 'LR'): Layout {
  return nodes.length > DAGRE_MAX_NODES && rankdir === 'LR' && !edges.some((e) => e.label) ? layeredLayout(nodes, edges) : dagreLayout(nodes, edges, rankdir);
}

/**
 * Sugiyama-style layering without the expensive parts: ranks by longest path from the sources,
 * order within a rank by four barycenter sweeps, straight edges with one bend.
 */
export function layeredLayout(nodes: Array<{ id: string; w: number; h: number }>, edges: Array<{ from: string; to: string }>): Layout {
  const NODESEP = 12;
  const RANKSEP = 48;
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const preds = nodes.map(() => [] as number[]);
  const succs = nodes.map(() => [] as number[]);
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    succs[a]!.push(b);
    preds[b]!.push(a);
  }
  // Longest-path ranks in topological order (Kahn); a node left over (a cycle) keeps rank 0.
  const rank = nodes.map(() => 0);
  const indeg = preds.map((p) => p.length);
  const queue = nodes.map((_, i) => i).filter((i) => indeg[i] === 0);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    for (const w of succs[v]!) {
      rank[w] = Math.max(rank[w]!, rank[v]! + 1);
      if (--indeg[w]! === 0) queue.push(w);
    }
  }
  const layers: number[][] = [];
  nodes.forEach((_, i) => (layers[rank[i]!] ??= []).push(i));
  for (let r = 0; r < layers.length; r++) layers[r] ??= [];
  const pos = nodes.map(() => 0);
  const place = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  place();
  const bary = (v: number, nb: number[]) => (nb.length ? nb.reduce((s, u) => s + pos[u]!, 0) / nb.length : pos[v]!);
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.keys() : [...layers.keys()].reverse();
    for (const r of order) {
      const l = layers[r]!;
      const key = new Map(l.map((v) => [v, bary(v, down ? preds[v]! : succs[v]!)]));
      l.sort((a, b) => key.get(a)! - key.get(b)! || pos[a]! - pos[b]!);
      l.forEach((v, i) => (pos[v] = i));
    }
  }
  const colW = layers.map((l) => Math.max(0, ...l.map((v) => nodes[v]!.w)));
  const colH = layers.map((l) => l.reduce((s, v) => s + nodes[v]!.h, 0) + Math.max(0, l.length - 1) * NODESEP);
  const height = Math.max(0, ...colH) + 16;
  const boxes: Box[] = new Array(nodes.length);
  let x = 8;
  layers.forEach((l, r) => {
    let y = 8 + (height - 16 - colH[r]!) / 2;
    for (const v of l) {
      const n = nodes[v]!;
      boxes[v] = { id: n.id, x: x + (colW[r]! - n.w) / 2, y, w: n.w, h: n.h };
      y += n.h + NODESEP;
    }
    x += colW[r]! + RANKSEP;
  });
  const out: Layout = { width: x - RANKSEP + 8, height, nodes: boxes, edges: [] };
  edges.forEach((e, i) => {
    const a = boxes[index.get(e.from) ?? -1];
    const b = boxes[index.get(e.to) ?? -1];
    if (!a || !b) return;
    const p0 = { x: a.x + a.w, y: a.y + a.h / 2 };
    const p2 = { x: b.x, y: b.y + b.h / 2 };
    const mid = b.x - RANKSEP / 2;
    out.edges.push({ id: `e${i}`, from: e.from, to: e.to, points: [p0, { x: mid, y: p0.y }, { x: mid, y: p2.y }, p2] });
  });
  return out;
}

function dagreLayout(nodes: Array<{ id: string; w: number; h: number }>, edges: Array<{ from: string; to: string; label?: string }>, rankdir: 'LR' | 'TB' = 'LR'): Layout {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir, nodesep: 16, ranksep: 40, marginx: 8, marginy: 8, ...(nodes.length > 60 ? { ranker: 'longest-path' as const } : {}) });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.w, height: n.h });
  edges.forEach((e, i) => {
    const label = e.label ? { width: e.label.length * CHAR_W + 6, height: 14, labelpos: 'c' as const } : {};
    g.setEdge(e.from, e.to, label, `e${i}`);
  });
  layout(g);
  const out: Layout = { width: (g.graph().width as number) ?? 0, height: (g.graph().height as number) ?? 0, nodes: [], edges: [] };
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    out.nodes.push({ id, x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height });
  }
  edges.forEach((e, i) => {
    const d = g.edge(e.from, e.to, `e${i}`) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number } | undefined;
    const path: EdgePath = { id: `e${i}`, from: e.from, to: e.to, points: d?.points ?? [] };
    if (e.label) path.label = e.label;
    if (d?.x !== undefined) path.lx = d.x;
    if (d?.y !== undefined) path.ly = d.y;
    out.edges.push(path);
  });
  return out;
}

/** A state box of a laid-out statechart, absolute coordinates. */
export interface StateBox extends Box {
  state: StateJson | null; // null: the initial-state dot of a level
  depth: number;
  /** Events handled without leaving the state (actions only). */
  internal: string[];
}
export interface Chart {
  width: number;
  height: number;
  states: StateBox[];
  edges: Array<EdgePath & { event: string; source: string }>;
}

const HEADER = 26;
const shift = <E extends EdgePath>(e: E, dx: number, dy: number): E => ({
  ...e,
  points: e.points.map((p) => ({ x: p.x + dx, y: p.y + dy })),
  ...(e.lx !== undefined ? { lx: e.lx + dx } : {}),
  ...(e.ly !== undefined ? { ly: e.ly + dy } : {}),
});
const PAD = 12;
const DOT = 12;

/**
 * Lays out a machine level by level: a compound state is laid out inside-out (its children
 * first, giving its size) and then placed as one node among its siblings. A transition is
 * drawn at the level of the nearest state containing both ends, each end lifted to the child
 * of that state on its way; a transition from a state into its own descendant starts at the
 * level's initial dot. Transitions with no target are listed inside their state.
 */
export function layoutMachine(machine: MachineJson): Chart {
  const byPath = new Map(machine.states.map((s) => [s.path, s]));
  const childrenOf = new Map<string | null, StateJson[]>();
  for (const s of machine.states) {
    const list = childrenOf.get(s.parent) ?? [];
    list.push(s);
    childrenOf.set(s.parent, list);
  }
  const ancestors = (path: string): string[] => {
    const out: string[] = [];
    let p: string | null = path;
    while (p !== null) {
      out.unshift(p);
      p = byPath.get(p)?.parent ?? null;
    }
    return out;
  };
  // Edges grouped by the level (parent path, null for the root) they are drawn at.
  const edgesAt = new Map<string | null, Array<{ from: string; to: string; label: string; event: string; source: string }>>();
  for (const s of machine.states) {
    for (const t of s.transitions) {
      for (const target of t.targets) {
        const a = ancestors(s.path);
        const b = ancestors(target);
        let i = 0;
        while (i < a.length && i < b.length && a[i] === b[i]) i++;
        let level: string | null = i === 0 ? null : a[i - 1]!;
        let from = a[i];
        let to = b[i];
        if (from === undefined && to === undefined) {
          // A self-transition (re-entry): drawn as a loop on the state, at its parent's level.
          level = s.parent;
          from = to = s.path;
        }
        from ??= `${level ?? ''}#init`;
        to ??= `${level ?? ''}#init`;
        const label = t.guard && t.guard !== 'guarded' ? `${t.label} [${t.guard}]` : t.label;
        const list = edgesAt.get(level) ?? [];
        list.push({ from, to, label, event: t.event, source: s.path });
        edgesAt.set(level, list);
      }
    }
  }
  const internalOf = (s: StateJson) => [...new Set(s.transitions.filter((t) => t.targets.length === 0).map((t) => t.label))];

  interface Local {
    width: number;
    height: number;
    boxes: Array<StateBox>;
    edges: Chart['edges'];
  }
  const levelLayout = (parent: string | null, depth: number, initial: string | null | undefined): Local => {
    const kids = childrenOf.get(parent) ?? [];
    const inner = new Map<string, Local>();
    const nodes: Array<{ id: string; w: number; h: number }> = [];
    for (const k of kids) {
      const internal = internalOf(k);
      if (childrenOf.has(k.path)) {
        const l = levelLayout(k.path, depth + 1, k.initial);
        inner.set(k.path, l);
        nodes.push({ id: k.path, w: Math.max(l.width + 2 * PAD, k.key.length * CHAR_W + 40), h: l.height + HEADER + PAD + internal.length * 14 });
      } else {
        const w = Math.max(k.key.length * 8 + 28, ...internal.map((x) => x.length * CHAR_W + 20), 70);
        nodes.push({ id: k.path, w, h: 34 + internal.length * 14 });
      }
    }
    const initId = `${parent ?? ''}#init`;
    const edges = [...(edgesAt.get(parent) ?? [])];
    if (initial || edges.some((e) => e.from === initId)) {
      nodes.push({ id: initId, w: DOT, h: DOT });
      if (initial) edges.unshift({ from: initId, to: initial, label: '', event: '', source: initId });
    }
    const l = layoutDag(nodes, edges.map((e) => ({ from: e.from, to: e.to, ...(e.label ? { label: e.label } : {}) })), 'TB');
    const boxes: StateBox[] = [];
    const shifted: Chart['edges'] = [];
    for (const n of l.nodes) {
      const state = byPath.get(n.id) ?? null;
      boxes.push({ ...n, state, depth, internal: state ? internalOf(state) : [] });
      const sub = inner.get(n.id);
      if (sub) {
        const dx = n.x + (n.w - sub.width) / 2;
        const dy = n.y + HEADER + (state ? internalOf(state).length * 14 : 0);
        for (const b of sub.boxes) boxes.push({ ...b, x: b.x + dx, y: b.y + dy });
        shifted.push(...sub.edges.map((e) => shift(e, dx, dy)));
      }
    }
    const chartEdges: Chart['edges'] = l.edges.map((e, i) => ({ ...e, event: edges[i]!.event, source: edges[i]!.source }));
    chartEdges.push(...shifted);
    return { width: l.width, height: l.height, boxes, edges: chartEdges };
  };
  const root = levelLayout(null, 0, machine.initial);
  return { width: root.width, height: root.height, states: root.boxes, edges: root.edges };
}
