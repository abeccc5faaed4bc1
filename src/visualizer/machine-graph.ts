import type { AnyStateMachine } from 'xstate';

/** One transition of a state, as the visualizer draws it. */
export interface TransitionJson {
  /** The event type as sent (`run.start`), `''` for eventless (`always`) transitions. */
  event: string;
  /** What the edge is labelled with: the event, `after <delay>`, `done: <src>`, `error: <src>`, `always`. */
  label: string;
  kind: 'event' | 'always' | 'after' | 'done' | 'error';
  /** Target state paths (dotted, as actors report them: `running.stopping`); empty for a self-transition without target. */
  targets: string[];
  /** A named guard, `guarded` for an inline one. */
  guard?: string;
}

/** One state node, flattened: `parent` links the hierarchy. */
export interface StateJson {
  /** Dotted path from the root (`running.active`); this is what `TransitionEvent.to` names. */
  path: string;
  key: string;
  parent: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The initial child's path, for compound states. */
  initial?: string;
  /** Sources of the actors this state invokes. */
  invokes: string[];
  transitions: TransitionJson[];
}

/** A machine definition as served by `GET {base}/api/v1/machines`. */
export interface MachineJson {
  id: string;
  initial: string | null;
  states: StateJson[];
}

/** The xstate StateNode surface this module reads (xstate 5's public-but-untyped-here fields). */
interface Node {
  key: string;
  path: string[];
  type: StateJson['type'];
  states: Record<string, Node>;
  transitions: Map<string, Transition[]>;
  always?: Transition[];
  invoke: Array<{ src: unknown; id: string }>;
  config: { after?: Record<string, unknown>; initial?: unknown };
  initial?: { target: Node[] };
}

interface Transition {
  eventType: string;
  target?: Node[] | undefined;
  guard?: unknown;
}

const AFTER = /^xstate\.after\.([^.]+)\./;
const DONE = /^xstate\.done\.actor\.(.+)$/;
const ERROR = /^xstate\.error\.actor\.(.+)$/;

function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard && typeof (guard as { type: unknown }).type === 'string') return (guard as { type: string }).type;
  return 'guarded';
}

function srcName(src: unknown): string {
  return typeof src === 'string' ? src : ((src as { id?: string } | undefined)?.id ?? 'actor');
}

function transitionJson(t: Transition, invokes: Map<string, string>): TransitionJson {
  const targets = (t.target ?? []).map((n) => n.path.join('.'));
  const guard = guardName(t.guard);
  const base = { targets, ...(guard ? { guard } : {}) };
  const type = t.eventType;
  if (type === '') return { event: '', label: 'always', kind: 'always', ...base };
  const after = AFTER.exec(type);
  if (after) return { event: type, label: `after ${after[1]}`, kind: 'after', ...base };
  const done = DONE.exec(type);
  if (done) return { event: type, label: `done: ${invokes.get(done[1]!) ?? done[1]}`, kind: 'done', ...base };
  const error = ERROR.exec(type);
  if (error) return { event: type, label: `error: ${invokes.get(error[1]!) ?? error[1]}`, kind: 'error', ...base };
  return { event: type, label: type, kind: 'event', ...base };
}

/**
 * Flattens a machine's state tree into the JSON the visualizer lays out: every state with its
 * path, parent, initial child, invoked actors and labelled transitions. Read from the machine
 * object itself (`machine.root`), so the picture can never drift from the code that runs.
 *
 * @example
 * machineGraph(runMachine).states.find((s) => s.path === 'queued')?.transitions
 * // [{ event: 'run.start', label: 'run.start', kind: 'event', targets: ['starting'] }, ...]
 */
export function machineGraph(machine: AnyStateMachine): MachineJson {
  const root = machine.root as unknown as Node;
  const states: StateJson[] = [];
  const visit = (node: Node, parent: string | null) => {
    const path = node.path.join('.');
    const invokes = new Map(node.invoke.map((i) => [i.id, srcName(i.src)]));
    const transitions: TransitionJson[] = [];
    for (const list of node.transitions.values()) for (const t of list) transitions.push(transitionJson(t, invokes));
    for (const t of node.always ?? []) transitions.push(transitionJson(t, invokes));
    const initial = node.initial?.target?.[0]?.path.join('.');
    if (node !== root) {
      states.push({
        path,
        key: node.key,
        parent,
        type: node.type,
        ...(node.type === 'compound' && initial ? { initial } : {}),
        invokes: [...invokes.values()],
        transitions,
      });
    }
    for (const child of Object.values(node.states)) visit(child, node === root ? null : path);
  };
  visit(root, null);
  // Transitions on the root (none today) would be events accepted in any state.
  return { id: machine.id, initial: root.initial?.target?.[0]?.path.join('.') ?? null, states };
}
