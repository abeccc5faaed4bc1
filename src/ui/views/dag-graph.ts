import { html } from 'htm/preact';
import { useMemo, useRef } from 'preact/hooks';
import { layoutDag } from '../layout.ts';
import { statusClass } from '../util.ts';

export interface DagNode {
  name: string;
  depends: string[];
  handler: boolean;
}

const pathD = (pts: Array<{ x: number; y: number }>) => pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

/** A run's DAG: steps as nodes coloured by status, `depends` as edges, laid out left to right. */
export function DagGraph({ nodes, status, selected, onSelect }: { nodes: DagNode[]; status: (step: string) => string; selected?: string | undefined; onSelect?: (step: string) => void }) {
  const key = nodes.map((n) => `${n.name}<${n.depends.join(',')}`).join('|');
  const l = useMemo(
    () =>
      layoutDag(
        nodes.map((n) => ({ id: n.name, w: Math.min(220, Math.max(90, n.name.length * 7.5 + 24)), h: 32 })),
        nodes.flatMap((n) => n.depends.map((d) => ({ from: d, to: n.name }))),
        'LR',
      ),
    [key],
  );
  const handlers = useMemo(() => new Set(nodes.filter((n) => n.handler).map((n) => n.name)), [key]);
  // The same vnode objects are handed back while nothing they show changed, so preact skips
  // them: edges never change, a step node only when its status or the selection does.
  const edges = useMemo(() => l.edges.map((e) => html`<path class="dag-edge" d=${pathD(e.points)} marker-end="url(#dag-arrow)" />`), [l]);
  const cache = useRef(new Map<string, { sig: string; vnode: unknown }>());
  const laidOut = useRef(l);
  if (laidOut.current !== l) {
    laidOut.current = l;
    cache.current.clear(); // new coordinates
  }
  const select = useRef(onSelect);
  select.current = onSelect;
  const stepNodes = l.nodes.map((b) => {
    const s = status(b.id);
    const sig = `${s}|${selected === b.id}`;
    const hit = cache.current.get(b.id);
    if (hit && hit.sig === sig) return hit.vnode;
    const vnode = html`<g key=${b.id} class=${`step ${statusClass(s)} ${selected === b.id ? 'selected' : ''} ${handlers.has(b.id) ? 'handler' : ''}`} data-step=${b.id} data-status=${s} onClick=${() => select.current?.(b.id)}>
        <rect x=${b.x} y=${b.y} width=${b.w} height=${b.h} rx="6" />
        <text x=${b.x + b.w / 2} y=${b.y + b.h / 2 + 4} text-anchor="middle">${b.id.length > 28 ? `${b.id.slice(0, 27)}…` : b.id}</text>
      </g>`;
    cache.current.set(b.id, { sig, vnode });
    return vnode;
  });
  return html`<svg class="dag" width=${l.width} height=${l.height} viewBox=${`0 0 ${l.width} ${l.height}`}>
    <defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="arrowhead" /></marker></defs>
    <g class="dag-edges">${edges}</g>
    <g class="dag-steps">${stepNodes}</g>
  </svg>`;
}
