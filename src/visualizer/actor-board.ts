import type { Subscription } from 'rxjs';
import type { Runtime, RuntimeEvent, TransitionEvent } from '../actors/index.ts';
import type { Logger } from '../core/index.ts';

/** One live (or recently finished) actor as the visualizer lists it. */
export interface ActorRow {
  /** The runtime's actor id: `run:<name>:<runId>:<attempt>`, `step:<...>:<step>`, `session:<id>`. */
  id: string;
  kind: TransitionEvent['actorKind'];
  /** The machine id (`run`, `step`, `session`): a key of `GET /api/v1/machines`. */
  machine: string;
  /** Current state path (`running.active`). */
  state: string;
  /** The event type of the last transition. */
  lastEvent: string;
  /** Epoch ms of the last transition, and of the first one seen. */
  at: number;
  since: number;
  /** Transitions seen for this actor. */
  transitions: number;
  /** The actor reached a final state (it stays listed until evicted). */
  done: boolean;
  run?: { name: string; dagRunId: string; attempt: number };
  step?: string;
  /** Step status (`running`, `succeeded`, ...) for step actors. */
  status?: string;
  correlationId?: string;
  /** The run's workspace; unknown (undefined) until resolved, for a run the board joined late. */
  workspace?: string;
}

/** One transition in an actor's event log. */
export interface ActorLogEntry {
  /** The board's own sequence (monotonic per process). */
  seq: number;
  at: number;
  event: string;
  from: string | null;
  to: string;
  correlationId?: string;
}

export interface ActorFilter {
  kind?: string;
  dag?: string;
  state?: string;
  /** Workspaces the caller may see; `undefined` sees everything (including MCP sessions). */
  workspaces?: string[] | undefined;
}

export interface ActorBoardOptions {
  runtime: Pick<Runtime, 'events$' | 'getRun'>;
  /** Paths of final states per machine id, to tell finished actors (from the machine catalog). */
  finalStates: Record<string, string[]>;
  logger?: Logger;
  /** Actors kept; the oldest finished ones are evicted first. @defaultValue 10000 */
  maxActors?: number;
  /** Log entries kept per actor. @defaultValue 200 */
  maxLog?: number;
}

export interface ActorBoard {
  list(filter?: ActorFilter): { actors: ActorRow[]; counts: Record<string, number>; total: number };
  get(id: string): { actor: ActorRow; log: ActorLogEntry[] } | undefined;
  /** True when `workspaces` (a caller's visible workspaces, or undefined for all) may see `row`. */
  visible(row: ActorRow, workspaces: string[] | undefined): boolean;
  close(): void;
}

const runKey = (r: { name: string; dagRunId: string }) => `${r.name}/${r.dagRunId}`;

/**
 * The fields the board reads from runtime events, all optional: it reads today's events
 * (step state on transitions, workspaces on domain events) and the event backbone's (a
 * correlation id and a sequence on every event, the run's workspace and step facts on
 * lifecycle events) alike.
 */
interface LooseEvent {
  type: string;
  at: number;
  correlationId?: string;
  actorKind?: TransitionEvent['actorKind'];
  actorId?: string;
  machine?: string;
  from?: string | null;
  to?: string;
  event?: string;
  run?: { name: string; dagRunId: string; attempt: number };
  step?: string;
  stepState?: { status: string };
  status?: string;
  workspace?: string;
  resourceType?: string;
  resourceId?: string;
  origin?: { correlationId?: string };
}

/** A step machine state as the step status it reports. */
export function stepStatusOfState(state: string): string {
  if (state === 'pending') return 'not_started';
  if (state.startsWith('running') || state === 'checking') return 'running';
  return state;
}

/** Step status carried by a lifecycle fact of the backbone, if `e` is one. */
function stepFactStatus(e: LooseEvent): string | undefined {
  if (e.type === 'step.started') return 'running';
  if (e.type === 'step.retrying') return 'retrying';
  if (e.type === 'step.finished') return e.status;
  return undefined;
}

/**
 * The visualizer's read model of live actors: a subscriber of `runtime.events$` that keeps
 * each actor's current state and a bounded log of its transitions, resolves the workspace of
 * each run (from the run's domain events, or by reading the run once when it joined late):
 * the snapshots the page reads before it follows the live streams' `actors` topic. Bounded in
 * actors and log entries.
 *
 * @example
 * const board = createActorBoard({ runtime, finalStates: finalStatesOf(catalog) });
 * board.list({ kind: 'run' }).actors;
 */
export function createActorBoard(options: ActorBoardOptions): ActorBoard {
  const { runtime, finalStates, logger } = options;
  const maxActors = options.maxActors ?? 10_000;
  const maxLog = options.maxLog ?? 200;
  const finals = new Map(Object.entries(finalStates).map(([m, paths]) => [m, new Set(paths)]));
  const actors = new Map<string, { row: ActorRow; log: ActorLogEntry[] }>();
  /** Finished actor ids in the order they finished: the eviction order. */
  const finished = new Set<string>();
  const workspaces = new Map<string, string>();
  const resolving = new Set<string>();
  let seq = 0;

  function evict(): void {
    while (actors.size > maxActors) {
      const oldest = finished.values().next();
      const id = oldest.done ? actors.keys().next().value! : oldest.value;
      finished.delete(id);
      actors.delete(id);
    }
  }

  function resolveWorkspace(run: { name: string; dagRunId: string }): void {
    const key = runKey(run);
    if (resolving.has(key)) return;
    resolving.add(key);
    runtime
      .getRun(run.name, run.dagRunId)
      .then((details) => {
        if (!details) return;
        workspaces.set(key, details.workspace);
        for (const a of actors.values()) if (a.row.run && runKey(a.row.run) === key) a.row.workspace = details.workspace;
      })
      .catch((error: Error) => logger?.warn('visualizer: cannot read a run to learn its workspace', { run: key, error: error.message }))
      .finally(() => resolving.delete(key));
  }

  function onTransition(t: LooseEvent & { actorId: string; actorKind: ActorRow['kind']; machine: string; to: string; event: string; from: string | null }): void {
    let a = actors.get(t.actorId);
    if (!a) {
      a = { row: { id: t.actorId, kind: t.actorKind, machine: t.machine, state: t.to, lastEvent: t.event, at: t.at, since: t.at, transitions: 0, done: false }, log: [] };
      if (t.run) a.row.run = { ...t.run };
      if (t.step) a.row.step = t.step;
      actors.set(t.actorId, a);
    }
    const row = a.row;
    row.state = t.to;
    row.lastEvent = t.event;
    row.at = t.at;
    row.transitions++;
    if (t.stepState) row.status = t.stepState.status;
    else if (t.actorKind === 'step') row.status = stepStatusOfState(t.to);
    const correlationId = t.correlationId || t.origin?.correlationId;
    if (correlationId) row.correlationId = correlationId;
    if (t.run && row.workspace === undefined) {
      const ws = workspaces.get(runKey(t.run));
      if (ws !== undefined) row.workspace = ws;
      else resolveWorkspace(t.run);
    }
    const done = finals.get(t.machine)?.has(t.to) ?? false;
    if (done && !row.done) finished.add(row.id);
    row.done = done;
    const entry: ActorLogEntry = { seq: ++seq, at: t.at, event: t.event, from: t.from, to: t.to, ...(correlationId ? { correlationId } : {}) };
    a.log.push(entry);
    if (a.log.length > maxLog) a.log.splice(0, a.log.length - maxLog);
    evict();
  }

  function learnWorkspace(key: string, workspace: string): void {
    if (workspaces.get(key) === workspace) return;
    workspaces.set(key, workspace);
    if (workspaces.size > maxActors * 2) workspaces.delete(workspaces.keys().next().value!);
  }

  function onEvent(event: RuntimeEvent): void {
    const e = event as unknown as LooseEvent;
    if (e.type === 'transition' && e.actorId && e.actorKind && e.machine && e.to !== undefined && e.event !== undefined) {
      onTransition({ ...e, actorId: e.actorId, actorKind: e.actorKind, machine: e.machine, to: e.to, event: e.event, from: e.from ?? null });
      return;
    }
    if (e.type === 'domain' && e.resourceType === 'dag_run' && e.resourceId && e.workspace !== undefined) {
      const [name, ...rest] = e.resourceId.split('/');
      learnWorkspace(runKey({ name: name!, dagRunId: rest.join('/') }), e.workspace);
      return;
    }
    // The backbone's lifecycle facts carry the run's workspace and the step's exact status.
    if (e.run && e.workspace !== undefined) learnWorkspace(runKey(e.run), e.workspace);
    const status = stepFactStatus(e);
    if (status !== undefined && e.run && e.step) {
      const row = actors.get(`step:${e.run.name}/${e.run.dagRunId}:${e.run.attempt}:${e.step}`)?.row;
      if (row) row.status = status;
    }
  }

  const subscription: Subscription = runtime.events$.subscribe({
    next: (event) => {
      try {
        onEvent(event);
      } catch (error) {
        logger?.error('visualizer: actor board failed on an event', { error: (error as Error).message });
      }
    },
  });

  function visible(row: ActorRow, ws: string[] | undefined): boolean {
    if (ws === undefined) return true;
    // MCP sessions belong to no workspace: only callers who see every workspace see them.
    return row.workspace !== undefined && ws.includes(row.workspace);
  }

  return {
    visible,
    list(filter = {}) {
      const counts: Record<string, number> = {};
      const out: ActorRow[] = [];
      let total = 0;
      const dag = filter.dag?.toLowerCase();
      for (const { row } of actors.values()) {
        if (!visible(row, filter.workspaces)) continue;
        total++;
        counts[row.kind] = (counts[row.kind] ?? 0) + 1;
        if (filter.kind && row.kind !== filter.kind) continue;
        if (dag && !row.run?.name.toLowerCase().includes(dag)) continue;
        if (filter.state && !row.state.startsWith(filter.state) && row.status !== filter.state) continue;
        out.push({ ...row });
      }
      return { actors: out, counts, total };
    },
    get(id) {
      const a = actors.get(id);
      return a ? { actor: { ...a.row }, log: [...a.log] } : undefined;
    },
    close() {
      subscription.unsubscribe();
    },
  };
}
