import type { Observable } from 'rxjs';
import type { Actor, AnyActorLogic, InputFrom } from 'xstate';
import type { OperationOrigin } from '../core/index.ts';
import type { DagSpec, SpecProblem } from '../dag/types.ts';
import type { RunStatus, StepStatus } from '../dag/status.ts';

// ---------------------------------------------------------------------------------------------
// Records (persisted, JSON-safe)
// ---------------------------------------------------------------------------------------------

/** What the runtime stores about one step of one attempt. */
export interface StepRecord {
  name: string;
  status: StepStatus;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  retryCount: number;
  outputs?: Record<string, string>;
  error?: string;
  /** Process group id of the running step (crash recovery), with its start time in clock ticks. */
  pid?: number;
  pidStart?: number;
  /** True for handler_on steps (`onSuccess`, `onFailure`, `onAbort`, `onExit`). */
  handler?: boolean;
}

export interface AttemptSummary {
  attempt: number;
  status: RunStatus;
  trigger: RunTrigger;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string;
  steps: StepRecord[];
}

export type RunTrigger = 'manual' | 'enqueue' | 'retry' | 'scheduler';

/** The persisted record of one DAG run: the current attempt plus the history of earlier ones. */
export interface RunRecord {
  schemaVersion: 1;
  name: string;
  dagRunId: string;
  attempt: number;
  status: RunStatus;
  trigger: RunTrigger;
  params: Record<string, string>;
  queue: string;
  workspace: string;
  labels: Record<string, string>;
  /** When the run was created (first queued or started); fixed for the run's life. */
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string;
  steps: StepRecord[];
  /** Who caused the current attempt: the correlation id of the start/enqueue/retry call. */
  origin: OperationOrigin;
  /** Earlier attempts, oldest first. */
  history: AttemptSummary[];
  /** Monotonic enqueue sequence number, for FIFO order across restarts. */
  queueSeq?: number;
}

// ---------------------------------------------------------------------------------------------
// Read models (the JSON the CLI, REST and MCP return)
// ---------------------------------------------------------------------------------------------

/** Run details: the one shape `troupe status --json`, REST and `dagu://runs/...` return. */
export interface RunDetails {
  name: string;
  dagRunId: string;
  status: number;
  statusLabel: RunStatus;
  attempt: number;
  params: Record<string, string>;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string;
  steps: Array<{
    name: string;
    status: number;
    statusLabel: StepStatus;
    exitCode: number | null;
    startedAt: string | null;
    finishedAt: string | null;
    retryCount: number;
    outputs?: Record<string, string>;
    error?: string;
  }>;
  /** Extras beyond Dagu's shape. */
  queue: string;
  workspace: string;
  trigger: RunTrigger;
  correlationId: string;
  /** Earlier attempts of this run (retries), oldest first; empty for a first attempt. */
  history: Array<{
    attempt: number;
    status: number;
    statusLabel: RunStatus;
    trigger: RunTrigger;
    startedAt: string | null;
    finishedAt: string | null;
    error?: string;
    steps: Array<{ name: string; statusLabel: StepStatus; exitCode: number | null }>;
  }>;
}

export interface RunListFilter {
  name?: string;
  status?: RunStatus[];
  /** Epoch ms, inclusive bounds on the run's queued/started time. */
  from?: number;
  to?: number;
  limit?: number;
  cursor?: string;
  /** Only runs in these workspaces (undefined = all). */
  workspaces?: string[];
}

export interface RunList {
  items: RunDetails[];
  nextCursor?: string;
}

export interface LogTail {
  content: string;
  lineCount: number;
  totalLines: number;
  hasMore: boolean;
}

export interface RunLogs {
  schedulerLog: LogTail;
  stepLogs: Array<{
    stepName: string;
    status: number;
    statusLabel: StepStatus;
    startedAt: string | null;
    finishedAt: string | null;
    hasStdout: boolean;
    hasStderr: boolean;
  }>;
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** What to run: a stored DAG by name, or an inline YAML spec (optionally named). */
export type DagRef = { name: string } | { spec: string; name?: string };

export interface StartOptions {
  /** A JSON object string, `K=v K2=v2`, or an object. Overrides the DAG's params. */
  params?: string | Record<string, string>;
  dagRunId?: string;
  singleton?: boolean;
  /** Enqueue only: queue override. */
  queue?: string;
  /** Extra labels, `key=value` or `key`. */
  labels?: string[];
}

export interface RetryOptions {
  stepName?: string;
  includeDownstream?: boolean;
}

export interface RunRef {
  name: string;
  dagRunId: string;
}

// ---------------------------------------------------------------------------------------------
// DAG definitions
// ---------------------------------------------------------------------------------------------

export interface DagSummary {
  name: string;
  description?: string;
  labels: Record<string, string>;
  workspace: string;
  /** Problems when the stored file does not load; the DAG is still listed. */
  errors: string[];
}

export interface DagDefinition extends DagSummary {
  /** The stored YAML, byte for byte. */
  yaml: string;
  spec?: DagSpec;
  problems: SpecProblem[];
}

export interface ValidationReport {
  valid: boolean;
  problems: SpecProblem[];
  /** One line per problem, with its location. */
  errors: string[];
  spec?: DagSpec;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** An actor changed state (taken from xstate's inspection stream). */
export interface TransitionEvent {
  type: 'transition';
  at: number;
  actorKind: 'run' | 'step' | 'session';
  /** Stable id: `run:<name>:<runId>:<attempt>`, `step:<...>:<step>`, `session:<id>`. */
  actorId: string;
  machine: string;
  from: string | null;
  to: string;
  /** The event type that caused it (`xstate.init` on creation or restore). */
  event: string;
  restored: boolean;
  run?: { name: string; dagRunId: string; attempt: number };
  step?: string;
  /** For step actors: the step's state after the transition. */
  stepState?: { status: StepStatus; exitCode: number | null; startedAt: number | null; finishedAt: number | null; retryCount: number; error?: string };
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
  | 'dag_dequeue'
  | 'dag_run_queued'
  | 'dag_run_started'
  | 'dag_run_finished'
  | 'dag_run_interrupted';

/**
 * A domain fact, with the origin of the call that caused it. Command actions (dag_execute,
 * ...) carry the caller's context; lifecycle actions (dag_run_started, dag_run_finished) carry
 * the origin stored on the run, so a run ending minutes later still carries the correlation id.
 */
export interface DomainEvent {
  type: 'domain';
  at: number;
  action: DomainAction;
  resourceType: 'dag' | 'dag_run';
  /** `name` for DAG events, `name/dagRunId` for run events. */
  resourceId: string;
  workspace: string;
  /** Dagu's detail fields for the action: key names and ids only, never parameter values. */
  details: Record<string, unknown>;
  origin: OperationOrigin;
}

export type RuntimeEvent = TransitionEvent | DomainEvent;

// ---------------------------------------------------------------------------------------------
// The facade
// ---------------------------------------------------------------------------------------------

/**
 * The runtime facade that the CLI, REST API and MCP tools call. Every method reads the
 * current operation context (`core/context`) to attribute what it does.
 */
export interface Runtime {
  // DAG definitions
  listDags(): Promise<DagSummary[]>;
  getDag(name: string): Promise<DagDefinition | undefined>;
  validateDag(yaml: string, name?: string): ValidationReport;
  /** Creates or replaces a DAG file after validation; `created` tells which. */
  putDag(name: string, yaml: string): Promise<{ created: boolean; report: ValidationReport }>;
  createDag(name: string, yaml: string): Promise<ValidationReport>;
  renameDag(name: string, newName: string): Promise<void>;
  deleteDag(name: string): Promise<void>;

  // Runs
  start(ref: DagRef, options?: StartOptions): Promise<RunRef>;
  enqueue(ref: DagRef, options?: StartOptions): Promise<RunRef>;
  stop(name: string, dagRunId: string): Promise<void>;
  retry(name: string, dagRunId: string, options?: RetryOptions): Promise<RunRef & { attempt: number }>;
  dequeue(name: string, dagRunId: string): Promise<void>;
  /** `dagRunId` may be `latest`. */
  getRun(name: string, dagRunId: string): Promise<RunDetails | undefined>;
  listRuns(filter?: RunListFilter): Promise<RunList>;
  runLogs(name: string, dagRunId: string, tail?: number): Promise<RunLogs>;
  stepLog(name: string, dagRunId: string, stepName: string, stream: 'stdout' | 'stderr', tail?: number): Promise<LogTail>;
  /** Emits the run's details once, when it is (or becomes) terminal, then completes. */
  terminal$(name: string, dagRunId: string): Observable<RunDetails>;
  /** Resolves with the run's details when it is terminal, or when `timeoutMs` passes. */
  waitForRun(name: string, dagRunId: string, timeoutMs: number): Promise<{ details: RunDetails; timedOut: boolean }>;

  /** Every actor transition and domain event. A throwing subscriber never breaks an actor. */
  readonly events$: Observable<RuntimeEvent>;

  /**
   * Creates and starts an actor of `logic` (an MCP session machine, for example) under the
   * runtime's inspection, so its transitions reach `events$` and the visualizer like a run's.
   * `id` must be unique among live actors of that kind.
   */
  spawn<TLogic extends AnyActorLogic>(logic: TLogic, options: { kind: 'session'; id: string; input: InputFrom<TLogic> }): Actor<TLogic>;

  /** Graceful stop: persist, stop actors, kill step process groups. */
  close(): Promise<void>;
}
