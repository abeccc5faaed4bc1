import type { Subscription } from 'rxjs';
import { TroupeError, roleInWorkspace, systemClock } from '../../core/index.ts';
import type { Clock, Subject } from '../../core/index.ts';
import type { Runtime, RuntimeEvent } from '../../actors/index.ts';
import { createEventJournal } from '../event-journal.ts';
import type { StreamItem, Topic } from '../types.ts';

/**
 * `runs` filter: all runs, one DAG (`name`), one run (`name` + `dagRunId`), and/or one
 * composition tree (`rootName` + `rootDagRunId`: the root run and every sub-DAG run below it,
 * at any depth).
 */
export interface RunsFilter {
  name?: string;
  dagRunId?: string;
  /** The tree's root run, as `name \0 dagRunId`. */
  root?: string;
}

/** `actors` filter: one actor id, one kind, or all. */
export interface ActorsFilter {
  actorId?: string;
  kind?: string;
}

export interface RuntimeTopicsOptions {
  /** Items each topic keeps for resume. @defaultValue 10000 */
  capacity?: number;
  /** @defaultValue systemClock */
  clock?: Clock;
}

export interface RuntimeTopics {
  runs: Topic<RunsFilter>;
  actors: Topic<ActorsFilter>;
  /** Stops following `runtime.events$`. */
  close(): void;
}

const ACTOR_KINDS = ['run', 'step', 'session', 'queue', 'scheduler'];
const TERMINAL_STEP = new Set(['succeeded', 'failed', 'aborted', 'skipped', 'partially_succeeded', 'rejected']);
const RUN_FACT: Record<string, string> = {
  dag_run_queued: 'run.queued',
  dag_run_started: 'run.started',
  dag_run_finished: 'run.finished',
  dag_run_interrupted: 'run.interrupted',
};

/** True when `subject` sees `workspace`; items outside any workspace only for unrestricted subjects. */
export function seesWorkspace(subject: Subject, workspace: string | undefined): boolean {
  if (workspace === undefined) return !subject.workspaceAccess || subject.workspaceAccess.all;
  return roleInWorkspace(subject.role, subject.workspaceAccess, workspace) !== undefined;
}

function text(params: Record<string, string>, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === '') return undefined;
  if (v.length > 256) throw new TroupeError('INVALID_INPUT', `${key} is too long`, { details: { field: key } });
  return v;
}

function onlyKeys(params: Record<string, string>, keys: string[], topic: string): void {
  for (const k of Object.keys(params)) {
    if (!keys.includes(k)) throw new TroupeError('INVALID_INPUT', `unknown ${topic} stream filter ${k}; filters are ${keys.join(', ')}`, { details: { field: k } });
  }
}

const runKey = (name: string, dagRunId: string) => `${name}\u0000${dagRunId}`;

/**
 * The fields of a runtime event this adapter reads, loosely: it serves today's events
 * (transitions with `stepState`, `dag_run_*` domain events, no sequence) and the backbone's
 * (a `seq`, a `correlationId` and the run's `workspace` on every run fact, lifecycle facts
 * `run.*`/`step.*` emitted by the machines).
 */
interface LooseEvent {
  type: string;
  seq?: number;
  at: number;
  correlationId?: string;
  workspace?: string;
  origin?: { correlationId?: string };
  // transitions
  actorKind?: string;
  actorId?: string;
  machine?: string;
  from?: string | null;
  to?: string;
  event?: string;
  restored?: boolean;
  run?: { name: string; dagRunId: string; attempt: number };
  step?: string;
  root?: { name: string; dagRunId: string };
  stepState?: { status: string; exitCode: number | null; startedAt: number | null; finishedAt: number | null; retryCount: number; error?: string };
  // domain facts
  action?: string;
  resourceType?: string;
  resourceId?: string;
  details?: Record<string, unknown>;
}

/** What a lifecycle fact carries besides its payload (kept out of `data`). */
const ENVELOPE = new Set(['type', 'seq', 'correlationId', 'workspace', 'origin', 'run', 'root']);

/**
 * The `runs` and `actors` topics over `runtime.events$`. Each event keeps its position (the
 * backbone's `seq` when it has one) and is kept in a bounded in-memory journal per topic for
 * resume; the workspace of a run's events is the run's own (carried by the event, learnt from
 * the run's other events, else read once from the run), so workspace grants filter them
 * exactly as REST filters runs. Events stay in publication order, also while a workspace is
 * being read.
 *
 * Events without a backbone `seq` (today's runtime) are numbered from the boot time in
 * microseconds: cursors still grow across restarts, and a cursor from an earlier life gets
 * an explicit `gap` instead of a silent hole.
 */
export function runtimeTopics(runtime: Runtime, options: RuntimeTopicsOptions = {}): RuntimeTopics {
  const clock = options.clock ?? systemClock;
  const backboneHead = (runtime as { lastSeq?: () => number }).lastSeq?.();
  const base = backboneHead ?? clock.now() * 1000;
  let seq = base;
  const capacity = options.capacity ?? 10_000;
  const matchesRun = (item: StreamItem, f: RunsFilter) => {
    const d = item.data as { name?: string; dagRunId?: string; rootName?: string; rootDagRunId?: string };
    if (f.root !== undefined) {
      const own = d.name !== undefined && d.dagRunId !== undefined && runKey(d.name, d.dagRunId) === f.root;
      const below = d.rootName !== undefined && d.rootDagRunId !== undefined && runKey(d.rootName, d.rootDagRunId) === f.root;
      if (!own && !below) return false;
    }
    return (f.name === undefined || d.name === f.name) && (f.dagRunId === undefined || d.dagRunId === f.dagRunId);
  };
  const matchesActor = (item: StreamItem, f: ActorsFilter) => {
    const d = item.data as { actorId: string; actorKind: string };
    return (f.actorId === undefined || d.actorId === f.actorId) && (f.kind === undefined || d.actorKind === f.kind);
  };
  const runs = createEventJournal<RunsFilter>(matchesRun, { capacity, startAfter: base });
  const actors = createEventJournal<ActorsFilter>(matchesActor, { capacity, startAfter: base });

  // What recent runs (bounded) are known by: their workspace, and the root of their composition
  // tree (`null` for a root run). Lifecycle facts carry both; other events are read once.
  const workspaces = new Map<string, string>();
  const roots = new Map<string, [string, string] | null>();
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > 10_000) map.delete(map.keys().next().value!);
  };
  const treeOf = (run: [string, string] | undefined): Record<string, string> => {
    const root = run ? roots.get(runKey(run[0], run[1])) : undefined;
    return root ? { rootName: root[0], rootDagRunId: root[1] } : {};
  };
  const stepStatus = new Map<string, string>();
  const nextSeq = (e: LooseEvent) => (e.seq !== undefined ? e.seq : ++seq);

  function publish(e: LooseEvent, workspace: string | undefined): void {
    const s = nextSeq(e);
    const correlationId = e.correlationId || e.origin?.correlationId || undefined;
    const common = { ...(correlationId ? { correlationId } : {}), ...(workspace !== undefined ? { workspace } : {}) };
    if (e.type === 'domain') {
      const type = e.action ? RUN_FACT[e.action] : undefined;
      if (!type || !e.resourceId) return;
      const [name, dagRunId] = splitRun(e.resourceId);
      runs.append({ seq: s, ...common, type, data: { name, dagRunId, ...treeOf([name, dagRunId]), at: e.at, ...e.details } });
      return;
    }
    if (e.type.startsWith('run.') || e.type.startsWith('step.')) {
      // A backbone lifecycle fact: its own fields, with the run flattened.
      const data: Record<string, unknown> = {};
      if (e.run) Object.assign(data, { name: e.run.name, dagRunId: e.run.dagRunId, attempt: e.run.attempt }, treeOf([e.run.name, e.run.dagRunId]));
      for (const [k, v] of Object.entries(e)) if (!ENVELOPE.has(k)) data[k] = v;
      runs.append({ seq: s, ...common, type: e.type, data });
      return;
    }
    if (e.type !== 'transition') return;
    actors.append({
      seq: s,
      ...common,
      type: e.from === null || e.from === undefined ? 'actor.created' : 'actor.transition',
      data: {
        actorKind: e.actorKind,
        actorId: e.actorId,
        machine: e.machine,
        from: e.from ?? null,
        to: e.to,
        event: e.event,
        restored: e.restored === true,
        at: e.at,
        ...(e.run ? { name: e.run.name, dagRunId: e.run.dagRunId, attempt: e.run.attempt } : {}),
        ...(e.step ? { step: e.step } : {}),
      },
    });
    // Today's runtime has no step facts: they are derived from the step actors' state.
    if (e.seq === undefined && e.actorKind === 'step' && e.stepState && e.run && e.actorId) {
      const st = e.stepState;
      if (st.status === 'not_started' || stepStatus.get(e.actorId) === st.status) return;
      if (TERMINAL_STEP.has(st.status)) stepStatus.delete(e.actorId);
      else stepStatus.set(e.actorId, st.status);
      const type = st.status === 'running' ? 'step.started' : st.status === 'retrying' ? 'step.retrying' : TERMINAL_STEP.has(st.status) ? 'step.finished' : `step.${st.status}`;
      runs.append({
        seq: ++seq,
        ...common,
        type,
        data: { name: e.run.name, dagRunId: e.run.dagRunId, attempt: e.run.attempt, ...treeOf([e.run.name, e.run.dagRunId]), step: e.step, status: st.status, exitCode: st.exitCode, retryCount: st.retryCount, startedAt: st.startedAt, finishedAt: st.finishedAt, ...(st.error ? { error: st.error } : {}), at: e.at },
      });
    }
  }

  function splitRun(resourceId: string): [string, string] {
    const i = resourceId.lastIndexOf('/');
    return i < 0 ? [resourceId, ''] : [resourceId.slice(0, i), resourceId.slice(i + 1)];
  }

  /** The run an event belongs to, if any. */
  function runOf(e: LooseEvent): [string, string] | undefined {
    if (e.type === 'domain') return e.resourceType === 'dag_run' && e.resourceId ? splitRun(e.resourceId) : undefined;
    return e.run ? [e.run.name, e.run.dagRunId] : undefined;
  }

  // Events wait behind a pending workspace read so that order is kept.
  let pending: Promise<void> | undefined;
  let waiting = 0;
  function onEvent(event: RuntimeEvent): void {
    const e = event as unknown as LooseEvent;
    const run = runOf(e);
    const key = run ? runKey(run[0], run[1]) : undefined;
    if (key !== undefined && typeof e.workspace === 'string') remember(workspaces, key, e.workspace);
    // A lifecycle fact names the root of its run's tree, when the run is not a root itself.
    if (key !== undefined && (e.type.startsWith('run.') || e.type.startsWith('step.'))) remember(roots, key, e.root ? [e.root.name, e.root.dagRunId] : null);
    const known = key !== undefined ? workspaces.get(key) : undefined;
    if (!pending && (key === undefined || (known !== undefined && roots.has(key)))) {
      publish(e, known);
      return;
    }
    waiting++;
    const previous = pending ?? Promise.resolve();
    const step = previous.then(async () => {
      let ws = key !== undefined ? workspaces.get(key) : undefined;
      if (run && key !== undefined && (ws === undefined || !roots.has(key))) {
        const details = await runtime.getRun(run[0], run[1]).catch(() => undefined);
        if (details) {
          if (ws === undefined) remember(workspaces, key, (ws = details.workspace));
          if (!roots.has(key)) remember(roots, key, details.rootDAGRunName !== undefined && details.rootDAGRunId !== undefined ? [details.rootDAGRunName, details.rootDAGRunId] : null);
        }
      }
      publish(e, ws);
    });
    pending = step.finally(() => {
      if (--waiting === 0) pending = undefined;
    });
  }

  const subscription: Subscription = runtime.events$.subscribe({ next: onEvent });

  const visible = (item: StreamItem, subject: Subject) => seesWorkspace(subject, item.workspace);
  return {
    runs: {
      name: 'runs',
      source: runs,
      authorize: () => {},
      parseFilter(params) {
        onlyKeys(params, ['name', 'dagRunId', 'rootName', 'rootDagRunId'], 'runs');
        const f: RunsFilter = {};
        const name = text(params, 'name');
        const id = text(params, 'dagRunId');
        if (id !== undefined && name === undefined) throw new TroupeError('INVALID_INPUT', 'dagRunId needs name', { details: { field: 'dagRunId' } });
        const rootName = text(params, 'rootName');
        const rootId = text(params, 'rootDagRunId');
        if ((rootName === undefined) !== (rootId === undefined)) {
          throw new TroupeError('INVALID_INPUT', 'rootName and rootDagRunId go together: they name the root run of a composition tree', { details: { field: rootName === undefined ? 'rootName' : 'rootDagRunId' } });
        }
        if (name !== undefined) f.name = name;
        if (id !== undefined) f.dagRunId = id;
        if (rootName !== undefined && rootId !== undefined) f.root = runKey(rootName, rootId);
        return f;
      },
      matches: matchesRun,
      visible,
    },
    actors: {
      name: 'actors',
      source: actors,
      authorize: () => {},
      parseFilter(params) {
        onlyKeys(params, ['actorId', 'kind'], 'actors');
        const f: ActorsFilter = {};
        const actorId = text(params, 'actorId');
        const kind = text(params, 'kind');
        if (kind !== undefined && !ACTOR_KINDS.includes(kind)) throw new TroupeError('INVALID_INPUT', `kind must be one of ${ACTOR_KINDS.join(', ')}`, { details: { field: 'kind' } });
        if (actorId !== undefined) f.actorId = actorId;
        if (kind !== undefined) f.kind = kind;
        return f;
      },
      matches: matchesActor,
      visible,
    },
    close: () => subscription.unsubscribe(),
  };
}

