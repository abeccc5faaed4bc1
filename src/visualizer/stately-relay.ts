import { createWebSocketInspector } from '@statelyai/inspect';
import type { AnyStateMachine } from 'xstate';
import type { Subscription } from 'rxjs';
import type { Runtime, TransitionEvent } from '../actors/index.ts';
import type { Logger } from '../core/index.ts';
import { stepStatusOfState } from './actor-board.ts';
import { finalStatesOf, machineCatalog, machineObjects } from './machine-catalog.ts';

export interface StatelyRelayOptions {
  runtime: Pick<Runtime, 'events$'>;
  /** The relay's WebSocket, e.g. `ws://127.0.0.1:8080` (`@statelyai/inspect`'s inspector server). */
  url: string;
  logger?: Logger;
}

/** `running.active` → `{ running: 'active' }`, the state value the inspector draws. */
export function stateValueOf(path: string): unknown {
  const parts = path.split('.');
  let value: unknown = parts.pop()!;
  while (parts.length > 0) value = { [parts.pop()!]: value };
  return value;
}

/** What of a transition may leave the process: ids, states, event types, step status. Never params, env, outputs, specs. */
function sanitizedContext(t: TransitionEvent): Record<string, unknown> {
  const ctx: Record<string, unknown> = { kind: t.actorKind };
  if (t.run) ctx.run = { name: t.run.name, dagRunId: t.run.dagRunId, attempt: t.run.attempt };
  if (t.step) ctx.step = t.step;
  // Today's transitions carry the step's state; the backbone's do not (the status is the state).
  const stepState = (t as { stepState?: { status: string; exitCode: number | null; retryCount: number } }).stepState;
  if (stepState) {
    ctx.status = stepState.status;
    ctx.exitCode = stepState.exitCode;
    ctx.retryCount = stepState.retryCount;
  } else if (t.actorKind === 'step') ctx.status = stepStatusOfState(t.to);
  const correlationId = (t as { correlationId?: string }).correlationId || t.origin?.correlationId;
  if (correlationId) ctx.correlationId = correlationId;
  return ctx;
}

/**
 * Forwards every actor's transitions to a Stately inspector through `@statelyai/inspect`'s
 * WebSocket inspector, so people who use Stately's tools can point them at Troupe. It reads
 * the runtime's transition stream (a subscriber like any other, outside the actors): each new
 * actor is announced with its machine's definition (from the machine object, whose context is
 * a function and so is not serialized) and its parent (a step's run), then every transition as
 * an event (its type only, no payload) and a snapshot whose context is a sanitized summary.
 */
export function startStatelyRelay(options: StatelyRelayOptions): { stop(): void } {
  const { runtime, url, logger } = options;
  const machines = new Map<string, AnyStateMachine>(machineObjects().map((m) => [m.id, m]));
  const finals = finalStatesOf(machineCatalog());
  /**
   * The inspector reads an actor's definition from `actorRef.logic.config` and its parent from
   * `actorRef._parent`, so an actor is described by a minimal ref of that shape. The machine
   * config's functions (context factory, inline guards and actions) do not serialize.
   */
  const refOf = (t: TransitionEvent) => {
    const parentId = t.actorKind === 'step' && t.run ? `run:${t.run.name}/${t.run.dagRunId}:${t.run.attempt}` : undefined;
    const config = machines.get(t.machine)?.config;
    return {
      id: t.actorId,
      sessionId: t.actorId,
      ...(config ? { logic: { config } } : {}),
      ...(parentId ? { _parent: { id: parentId, sessionId: parentId } } : {}),
    } as unknown as Parameters<typeof inspector.actor>[0];
  };
  const inspector = createWebSocketInspector({
    url,
    // Only ids, state values and event types are ever handed to the inspector (above); this
    // keeps it that way should an event object carry more.
    sanitizeEvent: (e) => ({ type: e.type }),
  });
  const known = new Set<string>();
  const sub: Subscription = runtime.events$.subscribe((event) => {
    if (event.type !== 'transition') return;
    try {
      const t = event;
      const status = finals[t.machine]?.includes(t.to) ? 'done' : 'active';
      const snapshot = { status, value: stateValueOf(t.to), context: sanitizedContext(t) } as const;
      if (!known.has(t.actorId)) {
        known.add(t.actorId);
        inspector.actor(refOf(t), snapshot);
      }
      inspector.event(t.actorId, { type: t.event });
      inspector.snapshot(t.actorId, snapshot, { event: { type: t.event } });
      if (status === 'done') known.delete(t.actorId);
    } catch (error) {
      logger?.warn('stately relay: cannot forward a transition', { error: (error as Error).message });
    }
  });
  return {
    stop() {
      sub.unsubscribe();
      inspector.stop();
    },
  };
}
