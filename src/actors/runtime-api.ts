import type { Observable } from 'rxjs';
import type { Actor, AnyActorLogic, InputFrom } from 'xstate';
import type { DagRef, RetryOptions, RunRef, StartOptions } from './commands.ts';
import type { DagDefinition, DagSummary, ValidationReport } from './dag-definitions.ts';
import type { RuntimeEvent, TransitionPage, TransitionQuery } from './events.ts';
import type { LogTail, RunDetails, RunList, RunListFilter, RunLogs } from './read-models.ts';

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

  /**
   * The event backbone: every run lifecycle fact, actor transition and command fact, in `seq`
   * order (see `events.ts`). Delivered outside the actors' own processing; a throwing
   * subscriber is logged and breaks neither an actor nor another subscriber.
   */
  readonly events$: Observable<RuntimeEvent>;
  /** The `seq` of the last event published (0 before the first). Subscribe, then read it, to resume without a gap. */
  lastSeq(): number;
  /**
   * Persisted run and step transitions of a run, oldest first, optionally of one attempt and
   * after a sequence number: the replay of a finished run, or the catch-up of a live stream
   * before it switches to `events$`. Throws `RUN_NOT_FOUND`.
   */
  transitions(name: string, dagRunId: string, query?: TransitionQuery): Promise<TransitionPage>;

  /**
   * Creates and starts an actor of `logic` (an MCP session machine, for example) under the
   * runtime's inspection, so its transitions reach `events$` and the visualizer like a run's.
   * `id` must be unique among live actors of that kind.
   */
  spawn<TLogic extends AnyActorLogic>(logic: TLogic, options: { kind: 'session'; id: string; input: InputFrom<TLogic> }): Actor<TLogic>;

  /** Graceful stop: persist, stop actors, kill step process groups. */
  close(): Promise<void>;
}
