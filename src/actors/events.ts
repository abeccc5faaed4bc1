import type { OperationOrigin } from '../core/index.ts';
import type { RunStatus, StepStatus } from '../dag/status.ts';
import type { SkippedHandler } from '../machines/index.ts';

/** A `handler_on` step an attempt left out, with the reason (the run machine's, in the run log and record). */
export type { SkippedHandler };

// The event backbone: the one typed stream the runtime publishes (`Runtime.events$`) and the
// transition records it persists (`Runtime.transitions`).
//
// Who emits:
// - the run machine `emit`s its lifecycle facts (run.queued, run.started, step.started,
//   step.retrying, step.finished, run.finished); the runtime observes each run actor with
//   `actor.on('*')` and stamps the facts with a sequence number, the time and the origin;
// - xstate inspection of run, step and session actors gives the raw `transition` stream;
// - the runtime's commands publish `domain` facts of the call (dag_execute, dag_create, ...);
// - boot recovery publishes `run.interrupted` and `run.finished` for runs cut off by a crash.
// Who subscribes (each isolated: one failing never stops another, nor an actor):
// the record writer (run records and transitions in the RunStore), the run log, the audit
// mapping (`src/audit/from-runtime.ts`), terminal notifications (`terminal$`), queue-slot
// release, and outside the runtime the live streams and the visualizer.

/** One attempt of one run. */
export interface RunAttemptRef {
  name: string;
  dagRunId: string;
  attempt: number;
}

/** What every backbone event carries. */
export interface BackboneEventBase {
  /**
   * Position in the data directory's event order: strictly increasing, across restarts too
   * (numbers may be skipped, never reused). Resume a stream "after seq N" with it.
   */
  seq: number;
  /** Epoch ms, from the runtime's clock. */
  at: number;
  /** The correlation id of the call that caused this (for a run: its start/enqueue/retry). '' for none. */
  correlationId: string;
}

// ---------------------------------------------------------------------------------------------
// Run lifecycle facts (emitted by the run machine; `run.interrupted` by recovery)
// ---------------------------------------------------------------------------------------------

interface RunFactBase extends BackboneEventBase {
  run: RunAttemptRef;
  /** The origin stored on the run (who started the current attempt). */
  origin: OperationOrigin;
  workspace: string;
  /** A sub-DAG run's: the root run of its composition tree (absent on a root run). */
  root?: { name: string; dagRunId: string };
}

/** The run entered its queue (enqueue). A restart restores queued runs without a new one. */
export interface RunQueuedEvent extends RunFactBase {
  type: 'run.queued';
  queue: string;
}

/** The attempt began running (after the queue let it through; before preconditions). */
export interface RunStartedEvent extends RunFactBase {
  type: 'run.started';
  trigger: 'manual' | 'enqueue' | 'retry' | 'scheduler' | 'subdag';
}

/** Where a step's job runs, as the executor reports it (`started.where`). */
export interface JobPlacement {
  /** The job's id (chosen by the runtime, persisted before the job is submitted; never a pid). */
  jobId: string;
  /** The executor kind (`local`, `memory`, `bullmq`), the host and the worker that runs it. */
  where?: { executor: string; host: string; workerId: string };
}

/** A step began (one event per try: a retry starts again with a higher `retryCount`). */
export interface StepStartedEvent extends RunFactBase {
  type: 'step.started';
  step: string;
  retryCount: number;
  handler: boolean;
  /** Set once the executor accepted the job; absent for a step that never reached it. */
  job?: JobPlacement;
}

/** A sub-DAG step started a child run (one per parallel item); the child's record links back. */
export interface StepSubRunEvent extends RunFactBase {
  type: 'step.subrun';
  step: string;
  subRun: { name: string; dagRunId: string };
}

/** A try failed and the step waits `delayMs` before the next one. */
export interface StepRetryingEvent extends RunFactBase {
  type: 'step.retrying';
  step: string;
  exitCode: number | null;
  /** Tries made so far (1 after the first failure). */
  retryCount: number;
  delayMs: number;
}

/** A step reached its final status. */
export interface StepFinishedEvent extends RunFactBase {
  type: 'step.finished';
  step: string;
  status: StepStatus;
  exitCode: number | null;
  retryCount: number;
  /** Executions after the first (`repeat_policy`). */
  repeatCount?: number;
  handler: boolean;
  /** Epoch ms. */
  startedAt: number | null;
  finishedAt: number | null;
  error?: string;
  /** Captured `output:` variable (name → value), for steps that declare one and succeeded. */
  outputs?: Record<string, string>;
  /** The step failed but `continue_on` let its dependents run. */
  continued?: boolean;
  /** The step's log passed its limit and was truncated (a marker line says so in the log). */
  logTruncated?: boolean;
}

/** The attempt ended. */
export interface RunFinishedEvent extends RunFactBase {
  type: 'run.finished';
  status: Extract<RunStatus, 'succeeded' | 'partially_succeeded' | 'failed' | 'aborted'>;
  error?: string;
  /** A handler the attempt did not run, and why: `failure` while a DAG-level automatic retry is pending (§20.3). */
  skippedHandler?: SkippedHandler;
  startedAt: number | null;
  finishedAt: number;
  durationMs?: number;
}

/** Boot recovery found the attempt running in a previous process life; it is marked failed. */
export interface RunInterruptedEvent extends RunFactBase {
  type: 'run.interrupted';
  status: 'failed';
}

export type RunLifecycleEvent = RunQueuedEvent | RunStartedEvent | StepStartedEvent | StepSubRunEvent | StepRetryingEvent | StepFinishedEvent | RunFinishedEvent | RunInterruptedEvent;

// ---------------------------------------------------------------------------------------------
// Raw transitions (xstate inspection) and command facts
// ---------------------------------------------------------------------------------------------

/** An actor changed state (from xstate's inspection stream). Run and step ones are persisted. */
export interface TransitionEvent extends BackboneEventBase {
  type: 'transition';
  actorKind: 'run' | 'step' | 'session' | 'scheduler';
  /** Stable id: `run:<name>/<runId>:<attempt>`, `step:<name>/<runId>:<attempt>:<step>`, `session:<id>`, `scheduler:scheduler`. */
  actorId: string;
  machine: string;
  /** Dotted state value (`running.active`); `null` for the actor's first state. */
  from: string | null;
  to: string;
  /** The event type that caused it (`xstate.init` on creation or restore). */
  event: string;
  restored: boolean;
  run?: RunAttemptRef;
  step?: string;
  origin?: OperationOrigin;
}

export type DomainAction =
  | 'dag_create'
  | 'dag_update'
  | 'dag_rename'
  | 'dag_delete'
  | 'dag_execute'
  | 'dag_enqueue'
  | 'dag_retry'
  | 'dag_terminate'
  | 'dag_dequeue';

/**
 * A fact of a call (a command the runtime accepted), with the caller's origin. Run lifecycle
 * entries (`dag_run_*`) are not domain events: the audit derives them from the lifecycle facts.
 */
export interface DomainEvent extends BackboneEventBase {
  type: 'domain';
  action: DomainAction;
  resourceType: 'dag' | 'dag_run';
  /** `name` for DAG events, `name/dagRunId` for run events. */
  resourceId: string;
  workspace: string;
  /** Dagu's detail fields for the action: key names and ids only, never parameter values. */
  details: Record<string, unknown>;
  origin: OperationOrigin;
}

/** Everything on `Runtime.events$`, in `seq` order. */
export type RuntimeEvent = RunLifecycleEvent | TransitionEvent | DomainEvent;

/** `RuntimeEvent` without what the runtime stamps on publication. */
export type UnstampedEvent = RuntimeEvent extends infer E ? (E extends RuntimeEvent ? Omit<E, 'seq' | 'at' | 'correlationId'> & { at?: number } : never) : never;

/** True for the events that end an attempt. */
export function isRunEnd(event: RuntimeEvent): event is RunFinishedEvent {
  return event.type === 'run.finished';
}

// ---------------------------------------------------------------------------------------------
// Persisted transitions (for stream resume and the visualizer's replay)
// ---------------------------------------------------------------------------------------------

/** One persisted transition of a run or step actor: the `transition` event, JSON-safe. */
export interface TransitionRecord {
  seq: number;
  at: number;
  run: RunAttemptRef;
  actorKind: 'run' | 'step';
  /** `run`, or the step's name for step actors. */
  actor: string;
  from: string | null;
  to: string;
  event: string;
  correlationId: string;
}

export interface TransitionQuery {
  /** Only this attempt. @defaultValue every attempt */
  attempt?: number;
  /** Only transitions with `seq > afterSeq` (resume). */
  afterSeq?: number;
  /** @defaultValue 1000, at most 10000 */
  limit?: number;
}

export interface TransitionPage {
  /** Oldest first (attempt, then seq). */
  items: TransitionRecord[];
  /** Pass as `afterSeq` (with the same attempt filter) to read on; absent at the end. */
  nextAfterSeq?: number;
  /**
   * Transitions not kept because an attempt passed its bound (`maxTransitionsPerRun`); the
   * run's own transitions are always kept.
   */
  dropped: number;
}
