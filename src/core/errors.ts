/**
 * The one error class of Troupe. Callers branch on `code`, which is stable; `message` is for
 * humans and may change. Each edge (HTTP, MCP, CLI) translates a `TroupeError` exactly once.
 */
export type ErrorCode =
  /** Input failed validation (bad id, bad params, wrong type). */
  | 'INVALID_INPUT'
  /** A DAG definition has problems; `details.problems` lists them. */
  | 'INVALID_SPEC'
  | 'DAG_NOT_FOUND'
  | 'DAG_EXISTS'
  | 'RUN_NOT_FOUND'
  | 'RUN_EXISTS'
  /** The run is queued or running, so the operation (retry) cannot apply. */
  | 'RUN_ACTIVE'
  /** Stop on a run that is not running. */
  | 'NOT_RUNNING'
  /** Dequeue on a run that is not queued. */
  | 'NOT_QUEUED'
  | 'SINGLETON_RUNNING'
  | 'SINGLETON_QUEUED'
  | 'QUEUE_FULL'
  | 'STEP_NOT_FOUND'
  /** The store cannot be read or written (disk full, permissions, closed). */
  | 'STORE_UNAVAILABLE'
  /** Another process holds the data directory's lock. */
  | 'STORE_LOCKED'
  /** The audit trail cannot record, and the policy is fail_closed. */
  | 'AUDIT_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LIMIT_EXCEEDED'
  | 'SHUTTING_DOWN'
  /** The step executor's backend (Redis for the BullMQ executor) cannot be reached. */
  | 'EXECUTOR_UNAVAILABLE'
  | 'INTERNAL';

export interface TroupeErrorOptions {
  /** Machine-readable extras (field name, problems list, ids). Never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An expected failure with a stable code. Programmer mistakes throw plain `TypeError`s instead. */
export class TroupeError extends Error {
  override readonly name = 'TroupeError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TroupeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Brand check that also works across module copies (no `instanceof`). */
export function isTroupeError(value: unknown): value is TroupeError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'TroupeError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** Shorthand for `new TroupeError(...)`, handy in expression position. */
export function troupeError(code: ErrorCode, message: string, options?: TroupeErrorOptions): TroupeError {
  return new TroupeError(code, message, options);
}
