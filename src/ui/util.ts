import { useEffect, useRef, useState } from 'preact/hooks';

/** Re-renders at most once per animation frame however often `bump` is called. */
export function useFrameRefresh(): () => void {
  const [, setTick] = useState(0);
  const pending = useRef(false);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  return () => {
    if (pending.current) return;
    pending.current = true;
    requestAnimationFrame(() => {
      pending.current = false;
      if (alive.current) setTick((t) => t + 1);
    });
  };
}

export const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? '' : new Date(ms).toISOString().slice(11, 23));
export const isoTime = (iso: string | null | undefined) => (iso ? iso.slice(11, 23) : '');

/** A CSS class for a status or state (`succeeded`, `running.active` → `running`). */
export function statusClass(s: string | undefined): string {
  const top = (s ?? 'not_started').split('.')[0]!;
  if (top === 'pending' || top === 'init' || top === 'connecting') return 'st-not_started';
  if (top === 'checking' || top === 'starting' || top === 'handling' || top === 'ready') return 'st-running';
  if (top === 'done' || top === 'closed') return 'st-succeeded';
  if (top === 'closing') return 'st-retrying';
  return `st-${top}`;
}

export const navigate = (hash: string) => {
  location.hash = hash;
};

/** The actor id of a run's own actor and of one of its steps (as the runtime names them). */
export const runActorId = (name: string, dagRunId: string, attempt: number) => `run:${name}/${dagRunId}:${attempt}`;
export const stepActorId = (name: string, dagRunId: string, attempt: number, step: string) => `step:${name}/${dagRunId}:${attempt}:${step}`;
