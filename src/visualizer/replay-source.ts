import type { RunDetails, Runtime, TransitionRecord } from '../actors/index.ts';
import type { ActorBoard } from './actor-board.ts';
import { stepStatusOfState } from './actor-board.ts';

/** One step of a replay: an actor's transition at a point in time. */
export interface ReplayTransition {
  at: number;
  actorKind: 'run' | 'step';
  actorId: string;
  attempt: number;
  step?: string;
  from: string | null;
  to: string;
  event: string;
  /** Step status after the transition (steps only). */
  status?: string;
}

/**
 * Where a replay came from: the run's persisted transitions (the event backbone), the live
 * board's memory of this process, or the run's record.
 */
export type ReplaySource = 'persisted' | 'board' | 'record';

export interface Replay {
  source: ReplaySource;
  transitions: ReplayTransition[];
  /** Persisted step transitions the backbone did not keep (over its per-run bound). */
  dropped?: number;
}

const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));

/**
 * The transitions of a run for the visualizer's replay.
 *
 * For a run without persisted transitions (recorded before the backbone kept them), two
 * sources remain: the actor board's log (every transition, exact, but only for runs this process saw from their
 * start and has not evicted) and, for any other run, transitions reconstructed from the run's
 * persisted record: run start and end, and each step's start and end with its final status
 * (intermediate retries of a step appear as one span; the record keeps only its retry count).
 */
export function replayOf(run: RunDetails, board: ActorBoard | undefined): Replay {
  const fromBoard = board ? boardReplay(run, board) : undefined;
  return fromBoard ?? { source: 'record', transitions: recordReplay(run) };
}

/** Most transitions a replay reads (the backbone bounds them per run too). */
const MAX_REPLAY = 20_000;

/**
 * The replay of a run: from its persisted transitions (the backbone's `Runtime.transitions`,
 * which survive a restart), else as `replayOf` says (a run recorded before transitions were
 * persisted). `dropped` counts the step transitions the backbone did not keep (its per-run bound).
 */
export async function loadReplay(runtime: Pick<Runtime, 'transitions'>, run: RunDetails, board: ActorBoard | undefined): Promise<Replay> {
  const items: TransitionRecord[] = [];
  let dropped = 0;
  let afterSeq: number | undefined;
  do {
    const page = await runtime.transitions(run.name, run.dagRunId, { attempt: run.attempt, limit: 5000, ...(afterSeq !== undefined ? { afterSeq } : {}) });
    items.push(...page.items);
    dropped = page.dropped;
    afterSeq = page.nextAfterSeq;
  } while (afterSeq !== undefined && items.length < MAX_REPLAY);
  if (items.length === 0) return replayOf(run, board);
  const transitions = items.map((r): ReplayTransition => {
    const base = { at: r.at, actorKind: r.actorKind, attempt: r.run.attempt, from: r.from, to: r.to, event: r.event };
    return r.actorKind === 'run'
      ? { ...base, actorId: `run:${r.run.name}/${r.run.dagRunId}:${r.run.attempt}` }
      : { ...base, actorId: `step:${r.run.name}/${r.run.dagRunId}:${r.run.attempt}:${r.actor}`, step: r.actor, status: stepStatusOfState(r.to) };
  });
  return { source: 'persisted', transitions, ...(dropped > 0 ? { dropped } : {}) };
}

function boardReplay(run: RunDetails, board: ActorBoard): Replay | undefined {
  const runActor = board.get(`run:${run.name}/${run.dagRunId}:${run.attempt}`);
  if (!runActor || runActor.log[0]?.from !== null) return undefined; // joined late or trimmed
  const out: Array<{ seq: number; t: ReplayTransition }> = [];
  for (const e of runActor.log) out.push({ seq: e.seq, t: { at: e.at, actorKind: 'run', actorId: runActor.actor.id, attempt: run.attempt, from: e.from, to: e.to, event: e.event } });
  for (const s of run.steps) {
    const a = board.get(`step:${run.name}/${run.dagRunId}:${run.attempt}:${s.name}`);
    if (!a) continue;
    if (a.log[0]?.from !== null) return undefined;
    for (const e of a.log) {
      out.push({ seq: e.seq, t: { at: e.at, actorKind: 'step', actorId: a.actor.id, attempt: run.attempt, step: s.name, from: e.from, to: e.to, event: e.event, status: stepStatusOfState(e.to) } });
    }
  }
  return { source: 'board', transitions: out.sort((a, b) => a.seq - b.seq).map((p) => p.t) };
}


function recordReplay(run: RunDetails): ReplayTransition[] {
  const runId = `run:${run.name}/${run.dagRunId}:${run.attempt}`;
  const out: ReplayTransition[] = [];
  const queued = ms(run.queuedAt);
  const started = ms(run.startedAt);
  const finished = ms(run.finishedAt);
  let runState: string | null = null;
  const runTo = (at: number, to: string, event: string) => {
    out.push({ at, actorKind: 'run', actorId: runId, attempt: run.attempt, from: runState, to, event });
    runState = to;
  };
  if (queued !== null) runTo(queued, 'queued', 'xstate.init');
  if (started !== null) runTo(started, 'running.active', runState === null ? 'xstate.init' : 'run.start');
  for (const s of run.steps) {
    const id = `step:${run.name}/${run.dagRunId}:${run.attempt}:${s.name}`;
    const first = ms(s.startedAt) ?? started ?? queued ?? 0;
    out.push({ at: first, actorKind: 'step', actorId: id, attempt: run.attempt, step: s.name, from: null, to: 'pending', event: 'xstate.init', status: 'not_started' });
    const sStart = ms(s.startedAt);
    if (sStart !== null) out.push({ at: sStart, actorKind: 'step', actorId: id, attempt: run.attempt, step: s.name, from: 'pending', to: 'running.active', event: 'step.start', status: 'running' });
    const sEnd = ms(s.finishedAt);
    if (sEnd !== null && s.statusLabel !== 'running') {
      out.push({ at: sEnd, actorKind: 'step', actorId: id, attempt: run.attempt, step: s.name, from: sStart !== null ? 'running.active' : 'pending', to: s.statusLabel, event: 'step.exited', status: s.statusLabel });
    }
  }
  if (finished !== null && run.statusLabel !== 'running' && run.statusLabel !== 'queued') runTo(finished, run.statusLabel, 'run.done');
  // Stable by time; at equal times run events before the steps they cause, then the run's end last.
  return out.map((t, i) => ({ t, i })).sort((a, b) => a.t.at - b.t.at || a.i - b.i).map(({ t }) => t);
}
