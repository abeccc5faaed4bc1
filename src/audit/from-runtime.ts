import type { Observable, Subscription } from 'rxjs';
import type { DomainEvent, RuntimeEvent, TransitionEvent } from '../actors/types.ts';
import type { AuditInput, AuditResult, AuditTrail } from './types.ts';

const COMMANDS = new Set(['dag_create', 'dag_update', 'dag_rename', 'dag_delete', 'dag_execute', 'dag_enqueue', 'dag_retry', 'dag_terminate', 'dag_dequeue']);

function lifecycleResult(event: DomainEvent): AuditResult {
  switch (event.action) {
    case 'dag_run_queued':
      return 'received';
    case 'dag_run_started':
      return 'started';
    case 'dag_run_finished': {
      const status = event.details.status;
      return status === 'succeeded' || status === 'partially_succeeded' ? 'succeeded' : 'failed';
    }
    default:
      return 'failed';
  }
}

/** The entry for a domain event: category `dag`, attributed to the origin stored with it. */
export function domainEventToInput(event: DomainEvent): AuditInput {
  return {
    category: 'dag',
    action: event.action,
    result: COMMANDS.has(event.action) ? 'succeeded' : lifecycleResult(event),
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    workspace: event.workspace,
    details: event.details,
    origin: event.origin,
    at: event.at,
  };
}

/**
 * The entry for a transition, or `undefined` when it is not audited: session actors become
 * `mcp.session.<state>`; run and step transitions are too many and are covered by the
 * lifecycle domain events instead.
 */
export function transitionToInput(event: TransitionEvent): AuditInput | undefined {
  if (event.actorKind !== 'session') return undefined;
  const sessionId = event.actorId.startsWith('session:') ? event.actorId.slice('session:'.length) : event.actorId;
  const origin = event.origin ?? { source: 'mcp' as const, correlationId: '' };
  return {
    category: 'mcp',
    action: `mcp.session.${event.to}`,
    result: 'succeeded',
    resource_type: 'mcp_session',
    resource_id: sessionId,
    details: { from: event.from, event: event.event, restored: event.restored },
    origin: { ...origin, sessionId: origin.sessionId ?? sessionId },
    at: event.at,
  };
}

/** Maps any runtime event to its audit entry, or `undefined`. */
export function runtimeEventToInput(event: RuntimeEvent): AuditInput | undefined {
  return event.type === 'domain' ? domainEventToInput(event) : transitionToInput(event);
}

/**
 * Records the runtime's domain events (and session transitions) on the trail. A mapping that
 * throws is reported on `onError` and skipped; it never ends the subscription.
 */
export function attachRuntimeEvents(trail: AuditTrail, events$: Observable<RuntimeEvent>, onError: (error: unknown) => void = () => {}): Subscription {
  return events$.subscribe({
    next(event) {
      try {
        const input = runtimeEventToInput(event);
        if (input) trail.record(input);
      } catch (error) {
        onError(error);
      }
    },
    error: onError,
  });
}
