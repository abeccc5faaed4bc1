import { createActor } from 'xstate';
import type { AnyActorLogic } from 'xstate';
import type { Clock } from '../core/index.ts';
import { operationOrigin } from './operation-origin.ts';
import { stateString } from './state-string.ts';
import type { EventBus } from './event-bus.ts';

/**
 * Starts long-lived actors other than runs (MCP sessions) on the runtime's clock and under
 * its inspection, so their transitions reach `events$` like a run's. The inspector only
 * publishes to the bus, which delivers after the actor's step.
 */
export function createSessionActors(deps: { clock: Clock; bus: EventBus }) {
  const { clock, bus } = deps;
  const sessions = new Map<string, { stop(): void }>();

  function spawn<TLogic extends AnyActorLogic>(logic: TLogic, opts: { kind: 'session'; id: string; input: unknown }) {
    let last: string | null = null;
    const actorId = `${opts.kind}:${opts.id}`;
    const origin = operationOrigin();
    const actor = createActor(logic, {
      id: actorId,
      input: opts.input as never,
      clock,
      inspect: (event) => {
        if (event.type !== '@xstate.snapshot' || event.actorRef !== actor) return;
        const value = (event.snapshot as { value?: unknown }).value;
        if (value === undefined) return;
        const to = stateString(value);
        if (to === last) return;
        const ctx = (event.snapshot as { context?: { sessionId?: string } }).context;
        bus.publish({
          type: 'transition',
          actorKind: 'session',
          actorId,
          machine: (logic as { id?: string }).id ?? opts.kind,
          from: last,
          to,
          event: event.event.type,
          restored: false,
          ...(ctx?.sessionId ? { origin: { ...origin, sessionId: ctx.sessionId } } : {}),
        }, origin.correlationId);
        last = to;
      },
    });
    sessions.set(actorId, actor);
    actor.subscribe({ complete: () => sessions.delete(actorId), error: () => sessions.delete(actorId) });
    actor.start();
    return actor;
  }


  function stopAll(): void {
    for (const s of sessions.values()) s.stop();
  }
  return { spawn, stopAll };
}
