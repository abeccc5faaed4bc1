import type { RunStatus, StepStatus } from '../dag/status.ts';
import type { RunTrigger } from './records.ts';
import type { SkippedHandler } from './events.ts';

// The JSON the CLI, REST and MCP return about runs.

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
    /** The step's log passed its limit and was truncated (extra beyond Dagu's shape). */
    logTruncated?: boolean;
    /** Executions after the first (`repeat_policy`). */
    repeatCount?: number;
    /** Child runs of a sub-DAG step (`action: dag.run`; one per parallel item), as Dagu's `subRuns`. */
    subRuns?: Array<{ name: string; dagRunId: string }>;
    /** Where the step ran: executor kind, host and worker id (extra beyond Dagu's shape). */
    where?: { executor: string; host: string; workerId: string };
    /** Why the step's job has not started yet, e.g. no live worker matches the DAG's `worker_selector` (extra). */
    waiting?: string;
  }>;
  /** A sub-DAG run: the root run of its tree and the run and step that started it (Dagu's field names). */
  rootDAGRunName?: string;
  rootDAGRunId?: string;
  parentDAGRunName?: string;
  parentDAGRunId?: string;
  parentStepName?: string;
  /** Why the run cannot make progress now: the reason of its first waiting step (extra beyond Dagu's shape). */
  waiting?: string;
  /** Extras beyond Dagu's shape. */
  queue: string;
  workspace: string;
  trigger: RunTrigger;
  correlationId: string;
  /** A scheduled run: the fire time it was started for. */
  scheduledAt?: string;
  /** Attempts the DAG's `retry_policy` added automatically. */
  autoRetries?: number;
  /**
   * A handler this attempt did not run, and why (extra beyond Dagu's shape): `failure` while an
   * automatic retry (DAG-level `retry_policy`) is pending; the final attempt runs it.
   */
  skippedHandler?: SkippedHandler;
  /** Earlier attempts of this run (retries), oldest first; empty for a first attempt. */
  history: Array<{
    attempt: number;
    status: number;
    statusLabel: RunStatus;
    trigger: RunTrigger;
    startedAt: string | null;
    finishedAt: string | null;
    error?: string;
    skippedHandler?: SkippedHandler;
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
