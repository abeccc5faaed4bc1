import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActorLogEntry, ActorRow } from '../../visualizer/actor-board.ts';
import type { MachineJson } from '../../visualizer/machine-graph.ts';
import { api, enc } from '../api.ts';
import { onLiveStatus, subscribeActors } from '../live.ts';
import { canReadAudit, machineCatalog } from '../store.ts';
import { statusClass, time, useFrameRefresh } from '../util.ts';
import { Statechart } from './statechart.ts';

/** A link to the trace of a correlation id (shown as text to callers who cannot read the audit trail). */
export function TraceLink({ id }: { id: string | undefined }) {
  if (!id) return null;
  return canReadAudit() ? html`<a class="mono" data-trace=${id} href=${`#/trace/${enc(id)}`}>${id}</a>` : html`<span class="mono">${id}</span>`;
}

/** The event log of an actor: time, event, from → to, correlation id. Newest last. */
export function EventLog({ log }: { log: ActorLogEntry[] }) {
  return html`<table class="grid event-log">
    <thead><tr><th>time</th><th>event</th><th>from → to</th><th>correlation id</th></tr></thead>
    <tbody>
      ${log.map(
        (e) => html`<tr key=${e.seq}>
          <td class="mono dim">${time(e.at)}</td>
          <td class="mono">${e.event}</td>
          <td class="mono">${e.from ?? '∅'} → <b>${e.to}</b></td>
          <td><${TraceLink} id=${e.correlationId} /></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** One actor: its machine as a statechart with the current state lit, updating live, and its event log. */
export function ActorView({ id }: { id: string }) {
  const actor = useRef<ActorRow | undefined>(undefined);
  const log = useRef<ActorLogEntry[]>([]);
  const [machines, setMachines] = useState<Map<string, MachineJson> | undefined>();
  const [error, setError] = useState('');
  const refresh = useFrameRefresh();

  useEffect(() => {
    const load = () =>
      api<{ actor: ActorRow; log: ActorLogEntry[] }>(`/actors/${enc(id)}`)
        .then((r) => {
          if (!actor.current || actor.current.at <= r.actor.at) actor.current = r.actor;
          // Live entries newer than the snapshot's last one stay (they arrived while it was read).
          const lastAt = r.log[r.log.length - 1]?.at ?? -1;
          log.current = [...r.log, ...log.current.filter((e) => e.at > lastAt)];
          setError('');
          refresh();
        })
        .catch((e: Error) => setError(e.message));
    void load();
    machineCatalog().then(setMachines, (e: Error) => setError(e.message));
    const off = subscribeActors((c) => {
      if (c.actor.id !== id) return;
      if (actor.current && actor.current.at > c.actor.at) return;
      actor.current = { ...(actor.current ?? { since: c.actor.at, transitions: 0 }), ...c.actor } as ActorRow;
      if (!log.current.some((e) => e.seq === c.entry.seq)) log.current = [...log.current, c.entry];
      setError('');
      refresh();
    });
    const offStatus = onLiveStatus((_s, resynced) => resynced && void load());
    return () => {
      off();
      offStatus();
    };
  }, [id]);

  const a = actor.current;
  const machine = a ? machines?.get(a.machine) : undefined;
  const last = log.current[log.current.length - 1];
  return html`<section class="actor-view">
    <div class="toolbar">
      <h2 class="mono">${id}</h2>
      ${a ? html`<span class=${`pill ${statusClass(a.status ?? a.state)}`} data-role="current-state">${a.state}</span>` : null}
      ${a?.run ? html`<a href=${`#/run/${enc(a.run.name)}/${enc(a.run.dagRunId)}`}>open run</a>` : null}
    </div>
    ${error && !a ? html`<p class="error">${error}</p>` : null}
    ${machine ? html`<div class="chart-wrap"><${Statechart} machine=${machine} current=${a?.state} last=${last} /></div>` : a ? html`<p class="dim">No machine definition for ${a.machine}.</p>` : null}
    <h3>Event log</h3>
    <${EventLog} log=${log.current} />
  </section>`;
}
