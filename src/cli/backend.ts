import type { DagRef, LogTail, RetryOptions, RunDetails, RunList, RunListFilter, RunLogs, RunRef, StartOptions } from '../actors/index.ts';
import type { AuditTrail } from '../audit/types.ts';

/** A step's status change, for progress lines. */
export interface StepProgress {
  step: string;
  status: string;
  exitCode: number | null;
  durationMs?: number;
}

/**
 * What CLI commands drive: the engine in this process when no server owns the data directory,
 * or the running server over its REST API.
 */
export interface CliBackend {
  kind: 'local' | 'remote';
  start(ref: DagRef, options: StartOptions): Promise<RunRef>;
  enqueue(ref: DagRef, options: StartOptions): Promise<RunRef>;
  stop(name: string, id: string): Promise<void>;
  retry(name: string, id: string, options: RetryOptions): Promise<RunRef & { attempt?: number }>;
  dequeue(name: string, id: string): Promise<void>;
  getRun(name: string, id: string): Promise<RunDetails | undefined>;
  listRuns(filter: RunListFilter): Promise<RunList>;
  runLogs(name: string, id: string, tail?: number): Promise<RunLogs>;
  stepLog(name: string, id: string, step: string, stream: 'stdout' | 'stderr', tail?: number): Promise<LogTail>;
  /** Reports each step transition until the run is terminal, then resolves with its details. */
  follow(name: string, id: string, onStep: (p: StepProgress) => void): Promise<RunDetails>;
  /** The audit trail (local backend only). */
  audit?: AuditTrail;
  close(): Promise<void>;
}
