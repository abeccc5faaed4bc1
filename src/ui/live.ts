// The page's one live-stream client. Every view that follows actors as they change subscribes
// here, so only this module knows the wire.
//
// It reads the `actors` topic of the live streams (SSE `GET {base}/api/v1/streams/actors`),
// resuming after a break from its last cursor (`Last-Event-ID`) so nothing is missed or seen
// twice; after a `gap` (it fell behind, or the cursor is too old) the views re-read snapshots.
// SSE rather than WebSocket: `fetch` can send the Authorization header of every auth mode
// (Basic included), which a browser WebSocket cannot.
import type { ActorLogEntry, ActorRow } from '../visualizer/actor-board.ts';
import { apiBase, authHeader } from './api.ts';
import { machineCatalog } from './store.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/** One transition as the views get it: the actor's fields after it, and the log entry. */
export interface LiveChange {
  actor: Pick<ActorRow, 'id' | 'kind' | 'machine' | 'state' | 'lastEvent' | 'at' | 'done'> & Partial<Pick<ActorRow, 'run' | 'step' | 'status' | 'correlationId'>>;
  entry: ActorLogEntry;
}

type Listener = (change: LiveChange) => void;
type StatusListener = (status: LiveStatus, resynced: boolean) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<StatusListener>();
let controller: AbortController | undefined;
let status: LiveStatus = 'connecting';
let retryMs = 500;
let finals = new Map<string, Set<string>>();

function setStatus(next: LiveStatus, resynced = false): void {
  status = next;
  for (const l of statusListeners) l(next, resynced);
}

function emit(change: LiveChange): void {
  for (const l of listeners) l(change);
}

/** A step machine state as the step status it reports. */
function stepStatusOf(state: string): string {
  if (state === 'pending') return 'not_started';
  if (state.startsWith('running') || state === 'checking') return 'running';
  return state;
}

interface StreamBody {
  cursor: string;
  event: string;
  correlationId?: string;
  data: { actorKind: ActorRow['kind']; actorId: string; machine: string; from: string | null; to: string; event: string; at: number; name?: string; dagRunId?: string; attempt?: number; step?: string };
}

function fromStream(body: StreamBody): LiveChange {
  const d = body.data;
  const actor: LiveChange['actor'] = { id: d.actorId, kind: d.actorKind, machine: d.machine, state: d.to, lastEvent: d.event, at: d.at, done: finals.get(d.machine)?.has(d.to) ?? false };
  if (d.name !== undefined && d.dagRunId !== undefined) actor.run = { name: d.name, dagRunId: d.dagRunId, attempt: d.attempt ?? 1 };
  if (d.step !== undefined) actor.step = d.step;
  if (d.actorKind === 'step') actor.status = stepStatusOf(d.to);
  if (body.correlationId) actor.correlationId = body.correlationId;
  const entry: ActorLogEntry = { seq: Number(body.cursor), at: d.at, event: d.event, from: d.from, to: d.to, ...(body.correlationId ? { correlationId: body.correlationId } : {}) };
  return { actor, entry };
}

let lastCursor: string | undefined;

/** Handles one SSE block; returns true when the reader must resync its snapshots (a gap). */
function dispatch(block: string): boolean {
  let event = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data += (data ? '\n' : '') + value;
  }
  if (!data) return false;
  if (event === 'gap') return true;
  if (event === 'actor.created' || event === 'actor.transition') {
    const body = JSON.parse(data) as StreamBody;
    lastCursor = body.cursor;
    emit(fromStream(body));
  }
  return false;
}

function open(signal: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { ...authHeader(), accept: 'text/event-stream' };
  if (lastCursor) headers['last-event-id'] = lastCursor;
  return fetch(`${apiBase}/streams/actors`, { headers, signal });
}

async function connect(): Promise<void> {
  const abort = new AbortController();
  controller = abort;
  let first = true;
  try {
    finals = new Map([...(await machineCatalog()).values()].map((m) => [m.id, new Set(m.states.filter((s) => s.type === 'final').map((s) => s.path))]));
  } catch {
    /* without the catalog, no actor is marked done until the snapshot says so */
  }
  while (!abort.signal.aborted) {
    let gap = false;
    try {
      const res = await open(abort.signal);
      if (!res.ok || !res.body) throw new Error(`live stream answered ${res.status}`);
      // After a break the stream resumes from the last cursor; only a gap makes views re-read,
      // unless there was no cursor yet (nothing seen since the snapshots were read).
      setStatus('live', !first && lastCursor === undefined);
      first = false;
      retryMs = 500;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          if (dispatch(buffer.slice(0, end))) gap = true;
          buffer = buffer.slice(end + 2);
        }
        if (gap) {
          // Missed events: start again from now and re-read snapshots.
          lastCursor = undefined;
          setStatus('live', true);
          gap = false;
        }
      }
    } catch {
      if (abort.signal.aborted) return;
    }
    if (abort.signal.aborted) return;
    first = false;
    setStatus('reconnecting');
    await new Promise((r) => setTimeout(r, retryMs));
    retryMs = Math.min(retryMs * 2, 8000);
  }
}

/** Every actor transition as it happens. The first subscriber opens the stream. */
export function subscribeActors(listener: Listener): () => void {
  listeners.add(listener);
  if (!controller) void connect();
  return () => void listeners.delete(listener);
}

/** The stream's status; `resynced` is true when events may have been missed (re-read snapshots then). */
export function onLiveStatus(listener: StatusListener): () => void {
  statusListeners.add(listener);
  listener(status, false);
  return () => void statusListeners.delete(listener);
}

/** Closes the stream (sign-out): the next subscriber reopens it with the new credential. */
export function stop(): void {
  controller?.abort();
  controller = undefined;
  lastCursor = undefined;
  status = 'connecting';
}

/** Folds a change into a row map: newer facts win, a snapshot never rolls a row back. */
export function applyChange(rows: Map<string, ActorRow>, c: LiveChange): void {
  const prev = rows.get(c.actor.id);
  if (prev && prev.at > c.actor.at) return;
  rows.set(c.actor.id, { since: prev?.since ?? c.actor.at, transitions: (prev?.transitions ?? 0) + 1, ...prev, ...c.actor } as ActorRow);
}
