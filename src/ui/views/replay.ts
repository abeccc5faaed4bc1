import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { RunDetails } from '../../actors/types.ts';
import type { MachineJson } from '../../visualizer/machine-graph.ts';
import type { ReplaySource, ReplayTransition } from '../../visualizer/replay-source.ts';
import { api, enc } from '../api.ts';
import { machineCatalog } from '../store.ts';
import { statusClass, time } from '../util.ts';
import { DagGraph } from './dag-graph.ts';
import type { DagNode } from './dag-graph.ts';
import { Statechart } from './statechart.ts';

const SOURCES: Record<ReplaySource, string> = {
  persisted: "the run's persisted transitions, every one, in order",
  board: 'every transition, as this server saw it live',
  record: "reconstructed from the run's persisted record: step starts and ends (retries of a step show as one span)",
};

/** A finished run replayed with a scrubber: the DAG and the run's statechart at each point. */
export function ReplayView({ name, dagRunId }: { name: string; dagRunId: string }) {
  const [data, setData] = useState<{ run: RunDetails; source: ReplaySource; transitions: ReplayTransition[]; dropped?: number } | undefined>();
  const [nodes, setNodes] = useState<DagNode[]>([]);
  const [machine, setMachine] = useState<MachineJson | undefined>();
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    api<{ run: RunDetails; source: ReplaySource; transitions: ReplayTransition[]; dropped?: number }>(`/dag-runs/${enc(name)}/${enc(dagRunId)}/replay`)
      .then((d) => {
        setData(d);
        setIndex(d.transitions.length);
      })
      .catch((e: Error) => setError(e.message));
    api<{ nodes: DagNode[] }>(`/dag-runs/${enc(name)}/${enc(dagRunId)}/graph`).then((g) => setNodes(g.nodes), () => {});
    machineCatalog().then((m) => setMachine(m.get('run')), (e: Error) => setError(e.message));
  }, [name, dagRunId]);

  useEffect(() => {
    if (!playing || !data) return;
    if (index >= data.transitions.length) {
      setPlaying(false);
      return;
    }
    const t = setTimeout(() => setIndex(index + 1), 400);
    return () => clearTimeout(t);
  }, [playing, index, data]);

  if (!data) return html`<section>${error ? html`<p class="error">${error}</p>` : html`<p class="dim">Loading…</p>`}</section>`;
  // The state after the first `index` transitions.
  const steps = new Map<string, string>();
  let runState: string | undefined;
  let last: ReplayTransition | undefined;
  for (const t of data.transitions.slice(0, index)) {
    if (t.actorKind === 'run') runState = t.to;
    else if (t.step) steps.set(t.step, t.status ?? t.to);
    last = t;
  }
  const graphNodes = nodes.length > 0 ? nodes : data.run.steps.map((s) => ({ name: s.name, depends: [], handler: false }));
  return html`<section class="replay-view">
    <div class="toolbar">
      <h2>Replay <span class="mono">${name}</span> <span class="dim mono">${dagRunId}</span></h2>
      <a href=${`#/run/${enc(name)}/${enc(dagRunId)}`}>run</a>
    </div>
    <p class="dim" data-role="replay-source" data-source=${data.source}>Source: ${SOURCES[data.source]}.${data.dropped ? ` ${data.dropped} step transitions over the per-run bound were not kept.` : ''}</p>
    <div class="scrubber">
      <button onClick=${() => setIndex(Math.max(0, index - 1))} aria-label="back">◀</button>
      <button onClick=${() => (index >= data.transitions.length ? (setIndex(0), setPlaying(true)) : setPlaying(!playing))} data-action="play">${playing ? 'Pause' : 'Play'}</button>
      <button onClick=${() => setIndex(Math.min(data.transitions.length, index + 1))} aria-label="forward">▶</button>
      <input type="range" aria-label="scrubber" min="0" max=${data.transitions.length} value=${index} onInput=${(e: Event) => (setPlaying(false), setIndex(Number((e.target as HTMLInputElement).value)))} />
      <span class="mono" data-role="position">${index} / ${data.transitions.length}</span>
      <span class="mono dim">${last ? `${time(last.at)} ${last.step ?? 'run'}: ${last.from ?? '∅'} → ${last.to}` : 'before the first transition'}</span>
    </div>
    <div class="replay-grid">
      <div class="dag-wrap"><${DagGraph} nodes=${graphNodes} status=${(s: string) => steps.get(s) ?? 'not_started'} /></div>
      ${machine ? html`<div class="chart-wrap"><h3>run <span class=${`pill ${statusClass(runState)}`} data-role="replay-run-state">${runState ?? '∅'}</span></h3><${Statechart} machine=${machine} current=${runState} /></div>` : null}
    </div>
    <table class="grid replay-log">
      <thead><tr><th>#</th><th>time</th><th>actor</th><th>event</th><th>from → to</th></tr></thead>
      <tbody>
        ${data.transitions.map(
          (t, i) => html`<tr class=${i === index - 1 ? 'current' : i >= index ? 'future' : ''} onClick=${() => setIndex(i + 1)}>
            <td class="dim">${i + 1}</td><td class="mono dim">${time(t.at)}</td><td class="mono">${t.step ?? 'run'}</td><td class="mono">${t.event}</td><td class="mono">${t.from ?? '∅'} → ${t.to}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
