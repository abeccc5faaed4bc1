// The page's one live-stream client. Every view that follows actors or runs as they change
// subscribes here, so only this module knows the wire.
//
// TEMPORARY: it reads the server-sent events of `GET {base}/api/v1/actors/live`, a bridge from
// `runtime.events$`, until the `actors` topic of the live streams (issue 9: SSE
// `{base}/api/v1/streams/{topic}` and the WebSocket `{base}/api/v1/streams`) is on main.
import type { ActorChange } from '../visualizer/actor-board.ts';
import { apiBase, authHeader } from './api.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

type Listener = (change: ActorChange) => void;
type StatusListener = (status: LiveStatus, resynced: boolean) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<StatusListener>();
let controller: AbortController | undefined;
let status: LiveStatus = 'connecting';
let retryMs = 500;

function setStatus(next: LiveStatus, resynced = false): void {
  status = next;
  for (const l of statusListeners) l(next, resynced);
}

function dispatch(block: string): void {
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
  if (event === 'change' && data) {
    const change = JSON.parse(data) as ActorChange;
    for (const l of listeners) l(change);
  }
}

async function connect(): Promise<void> {
  const abort = new AbortController();
  controller = abort;
  let first = true;
  while (!abort.signal.aborted) {
    try {
      const res = await fetch(`${apiBase}/actors/live`, { headers: { ...authHeader(), accept: 'text/event-stream' }, signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`live stream answered ${res.status}`);
      // Views re-read their snapshots after a reconnect: what happened in between is in them.
      setStatus('live', !first);
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
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
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

/** Every actor change as it happens. The first subscriber opens the stream; the last one closes it. */
export function subscribeActors(listener: Listener): () => void {
  listeners.add(listener);
  if (!controller) void connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && statusListeners.size === 0) stop();
  };
}

/** The stream's status; `resynced` is true when it came back after a break (re-read snapshots then). */
export function onLiveStatus(listener: StatusListener): () => void {
  statusListeners.add(listener);
  listener(status, false);
  return () => statusListeners.delete(listener);
}

/** Closes the stream (sign-out, or a new credential: the next subscriber reopens it). */
export function stop(): void {
  controller?.abort();
  controller = undefined;
  status = 'connecting';
}
