import { html } from 'htm/preact';
import type { MachineJson } from '../../visualizer/machine-graph.ts';
import { layoutMachine } from '../layout.ts';
import type { Chart } from '../layout.ts';

const charts = new Map<string, Chart>();
const chartOf = (m: MachineJson) => {
  let c = charts.get(m.id);
  if (!c) {
    c = layoutMachine(m);
    charts.set(m.id, c);
  }
  return c;
};

const pathD = (pts: Array<{ x: number; y: number }>) => pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

/**
 * A machine drawn as a statechart: states as boxes (compound ones containing their children),
 * transitions as arrows labelled by event. `current` (a state path such as `running.active`)
 * is highlighted with its ancestors; `last` (the last transition's event and source) is drawn bold.
 */
export function Statechart({ machine, current, last }: { machine: MachineJson; current?: string | undefined; last?: { from: string | null; event: string } | undefined }) {
  const chart = chartOf(machine);
  const active = (path: string) => current !== undefined && (current === path || current.startsWith(`${path}.`));
  const isLast = (e: Chart['edges'][number]) => last !== undefined && last.from !== null && e.event === last.event && (last.from === e.source || last.from.startsWith(`${e.source}.`));
  return html`<svg class="chart" data-machine=${machine.id} width=${chart.width} height=${chart.height} viewBox=${`0 0 ${chart.width} ${chart.height}`}>
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead" /></marker></defs>
    ${chart.states.map((b) =>
      b.state === null
        ? html`<circle class="init-dot" cx=${b.x + b.w / 2} cy=${b.y + b.h / 2} r="5" />`
        : html`<g class=${`state ${b.state.type} ${active(b.state.path) ? 'active' : ''}`} data-state=${b.state.path}>
            <rect x=${b.x} y=${b.y} width=${b.w} height=${b.h} rx="8" />
            ${b.state.type === 'final' ? html`<rect class="final-ring" x=${b.x + 3} y=${b.y + 3} width=${b.w - 6} height=${b.h - 6} rx="6" />` : null}
            <text x=${b.x + 10} y=${b.y + 18} class="state-name">${b.state.key}</text>
            ${b.internal.map((t, i) => html`<text x=${b.x + 10} y=${b.y + 32 + i * 14} class="internal">↺ ${t}</text>`)}
          </g>`,
    )}
    ${chart.edges.map(
      (e) => html`<g class=${`edge ${isLast(e) ? 'last' : ''}`} data-event=${e.event}>
        <path d=${pathD(e.points)} marker-end="url(#arrow)" />
        ${e.label && e.lx !== undefined ? html`<text x=${e.lx} y=${(e.ly ?? 0) + 4} text-anchor="middle" class="edge-label">${e.label}</text>` : null}
      </g>`,
    )}
  </svg>`;
}
