/**
 * Dagu's run and step statuses. Labels are what Troupe stores (never renumber); the numeric
 * codes are what Dagu's wire format carries next to them.
 */
export const RUN_STATUSES = [
  'not_started', // 0
  'running', // 1
  'failed', // 2
  'aborted', // 3
  'succeeded', // 4
  'queued', // 5
  'partially_succeeded', // 6
  'waiting', // 7
  'rejected', // 8
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = [
  'not_started', // 0
  'running', // 1
  'failed', // 2
  'aborted', // 3
  'succeeded', // 4
  'skipped', // 5
  'partially_succeeded', // 6
  'waiting', // 7
  'rejected', // 8
  'retrying', // 9
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export function runStatusCode(status: RunStatus): number {
  return RUN_STATUSES.indexOf(status);
}
export function stepStatusCode(status: StepStatus): number {
  return STEP_STATUSES.indexOf(status);
}
export function runStatusFromCode(code: number): RunStatus | undefined {
  return RUN_STATUSES[code];
}
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** Terminal run statuses: a subscriber is notified once a run reaches one of these. */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return status === 'failed' || status === 'aborted' || status === 'succeeded' || status === 'partially_succeeded' || status === 'rejected';
}
/** Queued, running or waiting. */
export function isActiveRunStatus(status: RunStatus): boolean {
  return status === 'running' || status === 'queued' || status === 'waiting';
}
export function isSuccessRunStatus(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'partially_succeeded';
}
/** A step that will not change any more within this attempt. */
export function isDoneStepStatus(status: StepStatus): boolean {
  return (
    status === 'succeeded' ||
    status === 'failed' ||
    status === 'skipped' ||
    status === 'aborted' ||
    status === 'partially_succeeded' ||
    status === 'rejected'
  );
}
