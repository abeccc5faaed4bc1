import type { OperationOrigin } from '../core/index.ts';
import type { RunStatus, StepStatus } from '../dag/status.ts';
import type { SkippedHandler } from './events.ts';

// What the runtime persists about runs (JSON-safe). Written by the record writer, a subscriber of events$.

/** What the runtime stores about one step of one attempt. */
export interface StepRecord {
  name: string;
  status: StepStatus;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  retryCount: number;
  /** Executions after the first (`repeat_policy`). */
  repeatCount?: number;
  outputs?: Record<string, string>;
  error?: string;
  /** The executor's job of the running try and where it runs (crash recovery reconciles it). */
  job?: { jobId: string; where?: { executor: string; host: string; workerId: string } };
  /** The step's log passed its limit and was truncated. */
  logTruncated?: boolean;
  /** Where the step's last try ran (executor, host, worker id); kept after it ended. */
  where?: { executor: string; host: string; workerId: string };
  /** Process group id of the running step (crash recovery), with its start time in clock ticks. */
  pid?: number;
  pidStart?: number;
  /** True for handler_on steps (`onSuccess`, `onFailure`, `onAbort`, `onExit`). */
  handler?: boolean;
  /** Child runs of a sub-DAG step (one per parallel item). */
  subRuns?: Array<{ name: string; dagRunId: string }>;
}

export interface AttemptSummary {
  attempt: number;
  status: RunStatus;
  trigger: RunTrigger;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string;
  /** A handler this attempt left out (`failure`, while an automatic retry was pending). */
  skippedHandler?: SkippedHandler;
  steps: StepRecord[];
}

export type RunTrigger = 'manual' | 'enqueue' | 'retry' | 'scheduler' | 'subdag';

/** A run of the composition tree (§13): a parent or root of a sub-DAG run. */
export interface RunLink {
  name: string;
  dagRunId: string;
}

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
  /** The schedule's fire time a scheduled run was started for (`trigger: scheduler`). */
  scheduledAt?: string;
  /** Automatic retries made so far by the DAG's `retry_policy` (attempts with trigger `retry` caused by it). */
  autoRetries?: number;
  /** A stop cancelled the pending automatic retries of this run. */
  autoRetryStopped?: boolean;
  /** The current attempt left out a handler: `failure`, because an automatic retry is pending (§20.3). */
  skippedHandler?: SkippedHandler;
  /** Monotonic enqueue sequence number, for FIFO order across restarts. */
  queueSeq?: number;
  /** A sub-DAG run: the run (and step) that started it, and the root of its tree. */
  parent?: RunLink & { step: string };
  root?: RunLink;
  /** The local document of the stored file this run executes (a local child DAG, §1.2). */
  document?: string;
  /** Persisted transitions of this run (all attempts) and how many passed the bound. */
  transitions?: { kept: number; dropped: number };
}
