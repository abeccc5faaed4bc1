import type { OperationOrigin } from '../core/index.ts';
import type { RunStatus, StepStatus } from '../dag/status.ts';

// What the runtime persists about runs (JSON-safe). Written by the record writer, a subscriber of events$.

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
  /** Persisted transitions of this run (all attempts) and how many passed the bound. */
  transitions?: { kept: number; dropped: number };
}
