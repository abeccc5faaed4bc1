import type { InspectionEvent } from 'xstate';
import type { Clock } from '../core/index.ts';
import type { RunFact } from '../machines/index.ts';
import type { EventBus } from './event-bus.ts';
import type { RunAttemptRef, UnstampedEvent } from './events.ts';
import type { RunRecord } from './records.ts';
import type { RunActor } from './run-actor.ts';
import type { RunHandle } from './run-handle.ts';
import { stateString } from './state-string.ts';

/** The attempt a handle runs now. */
export function attemptRef(h: RunHandle): RunAttemptRef {
  return { name: h.record.name, dagRunId: h.record.dagRunId, attempt: h.record.attempt };
}

/** The `root` member of a sub-DAG run's facts (none for a root run). */
export const rootOf = (r: RunRecord): { root?: { name: string; dagRunId: string } } => (r.root ? { root: { name: r.root.name, dagRunId: r.root.dagRunId } } : {});

/**
 * A run machine's fact as a backbone event, with the run's identity and origin. Its time is
 * the clock's at emission (the bus stamps it): a step report does not carry the time of the
 * transition that caused it (a retry timer firing, for one).
 */
export function lifecycleEvent(h: RunHandle, fact: RunFact): UnstampedEvent {
  const { now: _now, ...rest } = fact;
  const base = { run: attemptRef(h), origin: h.record.origin, workspace: h.record.workspace, ...rootOf(h.record) };
  switch (rest.type) {
    case 'run.queued':
      return { ...rest, ...base, queue: h.record.queue };
    case 'run.started':
      return { ...rest, ...base, trigger: h.record.trigger };
    default:
      return { ...rest, ...base };
  }
}

/**
 * Observes one run actor for the backbone: its emitted facts (`actor.on('*')`) and, through
 * inspection, the raw transitions of the run and its step actors. Both only publish to the
 * bus, which delivers later, outside the actor: nothing here writes, logs or sends.
 */
export function observeRun(h: RunHandle, bus: EventBus, clock: Clock) {
  const last = new Map<string, string>();
  const correlationId = () => h.record.origin.correlationId;

  function inspect(event: InspectionEvent): void {
    if (event.type !== '@xstate.snapshot') return;
    const snap = event.snapshot as { value?: unknown; status?: string };
    if (snap.value === undefined) return; // not a machine (a step's process callback)
    const ref = event.actorRef as typeof event.actorRef & { id: string };
    const isRun = ref === h.actor;
    const to = stateString(snap.value);
    const from = last.get(ref.sessionId) ?? null;
    if (snap.status === 'done' || snap.status === 'error') last.delete(ref.sessionId);
    else last.set(ref.sessionId, to);
    if (from === to) return;
    const restored = isRun && h.restoring === true && event.event.type === 'xstate.init';
    if (isRun) h.restoring = false;
    const run = attemptRef(h);
    bus.publish(
      {
        type: 'transition',
        actorKind: isRun ? 'run' : 'step',
        actorId: isRun ? `run:${h.key}:${run.attempt}` : `step:${h.key}:${run.attempt}:${ref.id}`,
        machine: isRun ? 'run' : 'step',
        from,
        to,
        event: event.event.type,
        restored,
        run,
        ...(isRun ? {} : { step: ref.id }),
        origin: h.record.origin,
      },
      correlationId(),
    );
  }

  function attach(actor: RunActor): void {
    actor.on('*', (fact) => bus.publish(lifecycleEvent(h, fact as RunFact), correlationId()));
    // A machine that throws (a bug) must still end its run for every observer.
    actor.subscribe({
      error: (error) => {
        const at = clock.now();
        bus.publish(
          {
            type: 'run.finished',
            status: 'failed',
            error: `internal error: ${(error as Error)?.message ?? String(error)}`,
            startedAt: null,
            finishedAt: at,
            at,
            run: attemptRef(h),
            origin: h.record.origin,
            workspace: h.record.workspace,
            ...rootOf(h.record),
          },
          correlationId(),
        );
      },
    });
  }

  return { inspect, attach };
}
