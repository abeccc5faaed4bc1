import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActorRow } from '../../visualizer/actor-board.ts';
import type { DagSummary } from '../../actors/types.ts';
import { api, enc } from '../api.ts';
import { applyChange, onLiveStatus, subscribeActors } from '../live.ts';
import { can } from '../store.ts';
import { navigate, statusClass, time, useFrameRefresh } from '../util.ts';

const KINDS = ['run', 'step', 'session'];
/** Row height in px (fixed, see style.css): only the rows in view are drawn. */
const ROW_H = 24;
const OVERSCAN = 10;

/** Where an actor row leads: a run's page, a step's run page, or the actor's statechart. */
export const actorHref = (a: ActorRow) => `#/actor/${enc(a.id)}`;

/** Live list of actors with filters by kind, DAG and state, and counts per kind; DAGs to start on the side. */
export function ActorsView() {
  const rows = useRef(new Map<string, ActorRow>());
  const refresh = useFrameRefresh();
  const [kind, setKind] = useState('');
  const [dag, setDag] = useState('');
  const [state, setState] = useState('');
  const [error, setError] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  // The window's height bounds the scroller's: enough rows for any scroll position.
  const [viewH, setViewH] = useState(innerHeight);
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const measure = () => setViewH(innerHeight);
    addEventListener('resize', measure);
    return () => removeEventListener('resize', measure);
  }, []);

  useEffect(() => {
    const load = () =>
      api<{ actors: ActorRow[] }>('/actors')
        .then((r) => {
          // Changes that arrived while the snapshot was read are newer than it: keep them.
          const next = new Map(r.actors.map((a) => [a.id, a]));
          for (const [id, row] of rows.current) if ((next.get(id)?.at ?? -1) < row.at) next.set(id, row);
          rows.current = next;
          refresh();
        })
        .catch((e: Error) => setError(e.message));
    void load();
    const off = subscribeActors((c) => {
      applyChange(rows.current, c);
      refresh();
    });
    const offStatus = onLiveStatus((_s, resynced) => resynced && void load());
    return () => {
      off();
      offStatus();
    };
  }, []);

  const all = [...rows.current.values()];
  const counts: Record<string, number> = {};
  for (const a of all) counts[a.kind] = (counts[a.kind] ?? 0) + 1;
  const d = dag.toLowerCase();
  const shown = all
    .filter((a) => (!kind || a.kind === kind) && (!d || (a.run?.name.toLowerCase().includes(d) ?? false)) && (!state || a.state.startsWith(state) || a.status === state))
    // Newest actors first, in a stable order: rows do not jump while their states change.
    .sort((a, b) => b.since - a.since || (a.id < b.id ? -1 : 1));
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((scrollTop + viewH) / ROW_H) + OVERSCAN);
  return html`<section class="actors">
    <${DagPanel} />
    <div class="main-col">
      <div class="toolbar">
        <h2>Actors</h2>
        <span class="counts">${KINDS.map((k) => html`<span class="count" data-kind=${k}>${k}: <b>${counts[k] ?? 0}</b></span>`)}</span>
        <select aria-label="kind" value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="">all kinds</option>
          ${KINDS.map((k) => html`<option value=${k}>${k}</option>`)}
        </select>
        <input aria-label="dag filter" placeholder="DAG" value=${dag} onInput=${(e: Event) => setDag((e.target as HTMLInputElement).value)} />
        <input aria-label="state filter" placeholder="state" value=${state} onInput=${(e: Event) => setState((e.target as HTMLInputElement).value)} />
      </div>
      ${error ? html`<p class="error">${error}</p>` : null}
      <p class="dim" data-role="shown">${shown.length} of ${all.length} actors</p>
      <div class="table-scroll" ref=${scroller} onScroll=${(e: Event) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
        <table class="grid actor-table">
          <thead><tr><th class="c-kind">kind</th><th class="c-actor">actor</th><th class="c-state">state</th><th class="c-event">last event</th><th class="c-at">at</th></tr></thead>
          <tbody>
            ${first > 0 ? html`<tr class="spacer" style=${{ height: `${first * ROW_H}px` }}></tr>` : null}
            ${shown.slice(first, last).map(
              (a) => html`<tr key=${a.id} data-actor=${a.id} class=${a.done ? 'done' : ''} onClick=${() => navigate(actorHref(a))}>
                <td>${a.kind}</td>
                <td class="mono">${a.run ? html`<a href=${`#/run/${enc(a.run.name)}/${enc(a.run.dagRunId)}`} onClick=${(e: Event) => e.stopPropagation()}>${a.run.name}</a> ${a.step ? html`› ${a.step}` : html`<span class="dim">${a.run.dagRunId.slice(-8)}</span>`}` : a.id}</td>
                <td><span class=${`pill ${statusClass(a.status ?? a.state)}`} data-role="state">${a.state}</span></td>
                <td class="mono">${a.lastEvent}</td>
                <td class="mono dim">${time(a.at)}</td>
              </tr>`,
            )}
            ${last < shown.length ? html`<tr class="spacer" style=${{ height: `${(shown.length - last) * ROW_H}px` }}></tr>` : null}
          </tbody>
        </table>
      </div>
      ${shown.length === 0 ? html`<p class="dim empty">No actors yet: start a DAG.</p>` : null}
    </div>
  </section>`;
}

function DagPanel() {
  const [dags, setDags] = useState<DagSummary[]>([]);
  const [message, setMessage] = useState('');
  useEffect(() => {
    api<{ dags: DagSummary[] }>('/dags?perPage=200')
      .then((r) => setDags(r.dags))
      .catch((e: Error) => setMessage(e.message));
  }, []);
  const start = async (name: string) => {
    try {
      const r = await api<{ dagRunId: string }>(`/dags/${enc(name)}/start`, { method: 'POST', body: {} });
      navigate(`#/run/${enc(name)}/${enc(r.dagRunId)}`);
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return html`<aside class="dags">
    <h2>DAGs</h2>
    ${message ? html`<p class="error">${message}</p>` : null}
    <ul>
      ${dags.map(
        (d) => html`<li data-dag=${d.name}>
          <span class="mono">${d.name}</span> ${d.workspace !== 'default' ? html`<span class="dim">${d.workspace}</span>` : null}
          ${can(d.workspace, 'operator') ? html`<button class="small" data-action="start" onClick=${() => start(d.name)}>Start</button>` : null}
        </li>`,
      )}
    </ul>
    ${dags.length === 0 && !message ? html`<p class="dim">No DAGs visible.</p>` : null}
  </aside>`;
}
