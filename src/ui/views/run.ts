import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LogTail, RunDetails } from '../../actors/types.ts';
import type { ActorRow } from '../../visualizer/actor-board.ts';
import { api, enc } from '../api.ts';
import { onLiveStatus, subscribeActors } from '../live.ts';
import { can } from '../store.ts';
import { isoTime, navigate, runActorId, statusClass, stepActorId, useFrameRefresh } from '../util.ts';
import { TraceLink } from './actor.ts';
import { DagGraph } from './dag-graph.ts';
import type { DagNode } from './dag-graph.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'aborted', 'partially_succeeded', 'rejected']);
const ms = (iso: string | null) => (iso ? Date.parse(iso) : null);

/** Step durations and attempts as bars on one time axis. */
export function Timeline({ run }: { run: RunDetails }) {
  return useMemo(() => timeline(run), [run]);
}

function timeline(run: RunDetails) {
  const starts = run.steps.map((s) => ms(s.startedAt)).filter((x): x is number => x !== null);
  if (starts.length === 0) return html`<p class="dim">No step has started yet.</p>`;
  const t0 = Math.min(...starts, ms(run.startedAt) ?? Infinity);
  const now = Date.now();
  const t1 = Math.max(...run.steps.map((s) => ms(s.finishedAt) ?? (s.startedAt ? now : t0)), ms(run.finishedAt) ?? 0, t0 + 1);
  const pct = (t: number) => `${(((t - t0) / (t1 - t0)) * 100).toFixed(2)}%`;
  return html`<div class="timeline">
    ${run.steps.map((s) => {
      const a = ms(s.startedAt);
      const b = ms(s.finishedAt) ?? (a !== null ? now : null);
      return html`<div class="tl-row" data-step=${s.name}>
        <span class="tl-name mono">${s.name}</span>
        <span class="tl-track">${a !== null && b !== null ? html`<span class=${`tl-bar ${statusClass(s.statusLabel)}`} style=${{ left: pct(a), width: `max(2px, calc(${pct(b)} - ${pct(a)}))` }}></span>` : null}</span>
        <span class="tl-dur mono dim">${a !== null && b !== null ? `${((b - a) / 1000).toFixed(2)} s` : ''}${s.retryCount > 0 ? ` · ${s.retryCount + 1} tries` : ''}</span>
      </div>`;
    })}
    <div class="tl-axis dim mono">${isoTime(new Date(t0).toISOString())} → ${((t1 - t0) / 1000).toFixed(2)} s</div>
  </div>`;
}

/** A step's log, following (re-read every second) while the run is running. */
function StepLog({ run, step }: { run: RunDetails; step: string }) {
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  const [tail, setTail] = useState<LogTail | undefined>();
  const [error, setError] = useState('');
  const running = !TERMINAL.has(run.statusLabel);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () =>
      api<LogTail>(`/dag-runs/${enc(run.name)}/${enc(run.dagRunId)}/steps/${enc(step)}/log?stream=${stream}&tail=500`)
        .then((t) => !stopped && (setTail(t), setError('')))
        .catch((e: Error) => !stopped && setError(e.message))
        .finally(() => {
          if (!stopped && running) timer = setTimeout(read, 1000);
        });
    void read();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [run.name, run.dagRunId, step, stream, running]);
  return html`<div class="step-log">
    <div class="toolbar">
      <h3>Log of <span class="mono">${step}</span></h3>
      <button class=${`small ${stream === 'stdout' ? 'on' : ''}`} onClick=${() => setStream('stdout')}>stdout</button>
      <button class=${`small ${stream === 'stderr' ? 'on' : ''}`} onClick=${() => setStream('stderr')}>stderr</button>
      ${running ? html`<span class="dim">following…</span>` : null}
      <a href=${`#/actor/${enc(stepActorId(run.name, run.dagRunId, run.attempt, step))}`}>statechart</a>
    </div>
    ${error ? html`<p class="error">${error}</p>` : null}
    <pre class="log" data-role="step-log">${tail?.content ?? ''}</pre>
    ${tail?.hasMore ? html`<p class="dim">last ${tail.lineCount} of ${tail.totalLines} lines</p>` : null}
  </div>`;
}

/** A run: its DAG coloured by step status, live; a timeline; a step's log; start/stop/retry by role. */
export function RunView({ name, dagRunId }: { name: string; dagRunId: string }) {
  const [run, setRun] = useState<RunDetails | undefined>();
  const [nodes, setNodes] = useState<DagNode[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // Step statuses from the step actors themselves, by `attempt:step`: the run's record follows
  // them (it learns a step runs only once its process is up), so they win over it.
  const live = useRef(new Map<string, { status: string; at: number }>());
  const refresh = useFrameRefresh();

  useEffect(() => {
    let stopped = false;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const note = (attempt: number, step: string, status: string, at: number) => {
      const key = `${attempt}:${step}`;
      if ((live.current.get(key)?.at ?? -1) <= at) live.current.set(key, { status, at });
    };
    const load = () =>
      api<RunDetails>(`/dag-runs/${enc(name)}/${enc(dagRunId)}`)
        .then((r) => {
          if (stopped) return;
          setRun(r);
          setError('');
        })
        .catch((e: Error) => !stopped && setError(e.message));
    // The step actors' current states, for transitions that happened before this page subscribed.
    const seed = () =>
      api<{ actors: ActorRow[] }>(`/actors?kind=step&dag=${enc(name)}`)
        .then((r) => {
          if (stopped) return;
          for (const a of r.actors) if (a.run?.name === name && a.run.dagRunId === dagRunId && a.step && a.status) note(a.run.attempt, a.step, a.status, a.at);
          refresh();
        })
        .catch(() => {}); // the record alone still draws the run
    void load();
    void seed();
    api<{ nodes: DagNode[] }>(`/dag-runs/${enc(name)}/${enc(dagRunId)}/graph`).then((g) => !stopped && setNodes(g.nodes), () => {});
    // Step colours follow each transition at once; the details (times, exit codes) are re-read at most once a second.
    const off = subscribeActors((c) => {
      if (c.actor.run?.name !== name || c.actor.run.dagRunId !== dagRunId) return;
      if (c.actor.kind === 'step' && c.actor.step && c.actor.status) note(c.actor.run.attempt, c.actor.step, c.actor.status, c.actor.at);
      refresh();
      pending ??= setTimeout(() => {
        pending = undefined;
        void load();
      }, 1000);
    });
    const offStatus = onLiveStatus((_s, resynced) => resynced && (void load(), void seed()));
    return () => {
      stopped = true;
      if (pending) clearTimeout(pending);
      off();
      offStatus();
    };
  }, [name, dagRunId]);

  const act = async (what: 'stop' | 'retry' | 'start') => {
    setBusy(true);
    try {
      if (what === 'start') {
        const r = await api<{ dagRunId: string }>(`/dags/${enc(name)}/start`, { method: 'POST', body: {} });
        navigate(`#/run/${enc(name)}/${enc(r.dagRunId)}`);
      } else await api(`/dag-runs/${enc(name)}/${enc(dagRunId)}/${what}`, { method: 'POST', body: {} });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (!run) return html`<section>${error ? html`<p class="error">${error}</p>` : html`<p class="dim">Loading…</p>`}</section>`;
  const status = (step: string) => live.current.get(`${run.attempt}:${step}`)?.status ?? run.steps.find((s) => s.name === step)?.statusLabel ?? 'not_started';
  const graphNodes = nodes.length > 0 ? nodes : run.steps.map((s) => ({ name: s.name, depends: [], handler: false }));
  const operator = can(run.workspace, 'operator');
  const terminal = TERMINAL.has(run.statusLabel);
  return html`<section class="run-view">
    <div class="toolbar">
      <h2><span class="mono">${run.name}</span> <span class="dim mono">${run.dagRunId}</span></h2>
      <span class=${`pill ${statusClass(run.statusLabel)}`} data-role="run-status">${run.statusLabel}</span>
      <span class="dim">attempt ${run.attempt}</span>
      ${operator && run.statusLabel === 'running' ? html`<button data-action="stop" disabled=${busy} onClick=${() => act('stop')}>Stop</button>` : null}
      ${operator && terminal ? html`<button data-action="retry" disabled=${busy} onClick=${() => act('retry')}>Retry</button>` : null}
      ${operator ? html`<button data-action="start-again" disabled=${busy} onClick=${() => act('start')}>Start new run</button>` : null}
      <a href=${`#/actor/${enc(runActorId(run.name, run.dagRunId, run.attempt))}`} data-link="statechart">statechart</a>
      ${terminal ? html`<a href=${`#/replay/${enc(run.name)}/${enc(run.dagRunId)}`} data-link="replay">replay</a>` : null}
      <span>trace: <${TraceLink} id=${run.correlationId} /></span>
    </div>
    ${error ? html`<p class="error">${error}</p>` : null}
    ${run.error ? html`<p class="error">run error: ${run.error}</p>` : null}
    <div class="dag-wrap"><${DagGraph} nodes=${graphNodes} status=${status} selected=${selected} onSelect=${setSelected} /></div>
    <h3>Timeline</h3>
    <${Timeline} run=${run} />
    ${run.history.length > 0 ? html`<p class="dim">earlier attempts: ${run.history.map((h) => `#${h.attempt} ${h.statusLabel}`).join(', ')}</p>` : null}
    ${selected ? html`<${StepLog} run=${run} step=${selected} />` : html`<p class="dim">Click a step to read its log.</p>`}
  </section>`;
}
