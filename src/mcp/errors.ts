import { isTroupeError } from '../core/index.ts';
import type { ErrorCode } from '../core/index.ts';
import { ToolFailure, isToolFailure } from './tool-failure.ts';
import type { ToolErrorCode } from './tool-failure.ts';

const BY_TROUPE_CODE: Partial<Record<ErrorCode, ToolErrorCode>> = {
  INVALID_INPUT: 'invalid_tool_input',
  INVALID_SPEC: 'invalid_tool_input',
  DAG_NOT_FOUND: 'resource_not_found',
  RUN_NOT_FOUND: 'resource_not_found',
  STEP_NOT_FOUND: 'resource_not_found',
  NOT_FOUND: 'resource_not_found',
  DAG_EXISTS: 'conflict',
  RUN_EXISTS: 'conflict',
  RUN_ACTIVE: 'conflict',
  NOT_RUNNING: 'conflict',
  NOT_QUEUED: 'conflict',
  SINGLETON_RUNNING: 'conflict',
  SINGLETON_QUEUED: 'conflict',
  CONFLICT: 'conflict',
  UNAUTHENTICATED: 'unauthenticated',
  FORBIDDEN: 'unauthorized',
  QUEUE_FULL: 'resource_unavailable',
  LIMIT_EXCEEDED: 'resource_unavailable',
  STORE_UNAVAILABLE: 'resource_unavailable',
  STORE_LOCKED: 'resource_unavailable',
  AUDIT_UNAVAILABLE: 'resource_unavailable',
  SHUTTING_DOWN: 'resource_unavailable',
};

/**
 * Translates any thrown value into a `ToolFailure` (once, at the MCP edge). A `TroupeError`
 * keeps its message and gains Dagu's code; anything else becomes `internal_error` with a
 * generic message, so internals never leak to the client.
 */
export function toToolFailure(error: unknown, extras: Record<string, unknown> = {}): ToolFailure {
  if (isToolFailure(error)) return error;
  if (isTroupeError(error)) {
    const code = BY_TROUPE_CODE[error.code] ?? 'internal_error';
    const message = code === 'internal_error' ? 'Internal MCP error.' : error.message;
    return new ToolFailure(code, message, extras);
  }
  return new ToolFailure('internal_error', 'Internal MCP error.', extras);
}

/** True for failures that are authorization denials (`mcp.tool_call.denied`). */
export const isDenial = (failure: ToolFailure): boolean => failure.code === 'unauthorized' || failure.code === 'unauthenticated';
