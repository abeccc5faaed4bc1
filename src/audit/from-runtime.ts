import type { Observable, Subscription } from 'rxjs';
import type { DomainEvent, RunLifecycleEvent, RuntimeEvent, TransitionEvent } from '../actors/types.ts';
import type { Logger } from '../core/index.ts';
import type { AuditInput, AuditTrail } from './types.ts';

// The audit trail as a subscriber of the runtime's event backbone: command facts become
// `dag_*` entries, run lifecycle facts become the `dag_run_*` entries, session transitions
// become `mcp.session.*`. Nothing else in Troupe writes `dag_run_*` entries.

/** The entry for a command fact: category `dag`, attributed to the caller's origin. */
export function domainEventToInput(event: DomainEvent): AuditInput {
  return {
    category: 'dag',
    action: event.action,
    result: 'succeeded',
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    workspace: event.workspace,
    details: event.details,
    origin: event.origin,
    at: event.at,
  };
}

/**
 * The `dag_run_*` entry of a run lifecycle fact, or `undefined` for step facts (too many;
 * they are in the run record and the persisted transitions). Attributed to the origin stored
 * on the run, so a run ending minutes later carries the correlation id of its start.
 */
export function lifecycleToInput(event: RunLifecycleEvent): AuditInput | undefined {
  const { name, dagRunId, attempt } = event.run;
  const base = { category: 'dag', resource_type: 'dag_run', resource_id: `${name}/${dagRunId}`, workspace: event.workspace, origin: event.origin, at: event.at };
  const ids = { dag_name: name, dag_run_id: dagRunId };
  switch (event.type) {
    case 'run.queued':
      return { ...base, action: 'dag_run_queued', result: 'received', details: { ...ids, attempt, queue: event.queue } };
    case 'run.started':
      return { ...base, action: 'dag_run_started', result: 'started', details: { ...ids, attempt, trigger: event.trigger } };
    case 'run.finished': {
      const details: Record<string, unknown> = { ...ids, status: event.status, attempt };
      if (event.startedAt !== null) details.duration_ms = event.finishedAt - event.startedAt;
      if (event.error !== undefined) details.error = event.error;
      if (event.skippedHandler) details.skipped_handler = event.skippedHandler.handler;
      return { ...base, action: 'dag_run_finished', result: event.status === 'succeeded' || event.status === 'partially_succeeded' ? 'succeeded' : 'failed', details };
    }
    case 'run.interrupted':
      return { ...base, action: 'dag_run_interrupted', result: 'failed', details: { ...ids, status: event.status, attempt } };
    default:
      return undefined;
  }
}

/**
 * The entry for a transition, or `undefined` when it is not audited: session actors become
 * `mcp.session.<state>`; run and step transitions are too many and are covered by the
 * lifecycle entries instead.
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
  if (event.type === 'domain') return domainEventToInput(event);
  if (event.type === 'transition') return transitionToInput(event);
  return lifecycleToInput(event);
}

/**
 * Records the runtime's events on the trail. A mapping that throws is logged and skipped; it
 * never ends the subscription.
 */
export function attachRuntimeEvents(trail: AuditTrail, events$: Observable<RuntimeEvent>, logger: Logger): Subscription {
  return events$.subscribe({
    next(event) {
      try {
        const input = runtimeEventToInput(event);
        if (input) trail.record(input);
      } catch (error) {
        logger.error('cannot map a runtime event to an audit entry', { event: (event as { type?: string })?.type, seq: (event as { seq?: number })?.seq, error });
      }
    },
    error: (error) => logger.error('the runtime event stream failed', { error }),
  });
}
