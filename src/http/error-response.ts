import { HTTPError } from 'h3';
import { isTroupeError } from '../core/index.ts';
import type { ErrorCode } from '../core/index.ts';
import { isApiError } from './api-error.ts';

/** What one error becomes on the wire: status, `{ code, message }` and extras. */
export interface Problem {
  status: number;
  code: string;
  message: string;
  /** Extra body members (the spec problems of an invalid DAG). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** TroupeError code → HTTP status and Dagu-style code (Dagu §3.4.2, §7.4). */
const TABLE: Record<ErrorCode, [number, string]> = {
  INVALID_INPUT: [400, 'bad_request'],
  INVALID_SPEC: [400, 'bad_request'],
  DAG_NOT_FOUND: [404, 'not_found'],
  RUN_NOT_FOUND: [404, 'not_found'],
  STEP_NOT_FOUND: [404, 'not_found'],
  NOT_FOUND: [404, 'not_found'],
  DAG_EXISTS: [409, 'already_exists'],
  RUN_EXISTS: [409, 'already_exists'],
  RUN_ACTIVE: [409, 'already_running'],
  SINGLETON_RUNNING: [409, 'already_running'],
  SINGLETON_QUEUED: [409, 'already_queued'],
  CONFLICT: [409, 'conflict'],
  // Dagu answers stop on a run that is not running with 400 not_running (§7.4).
  NOT_RUNNING: [400, 'not_running'],
  NOT_QUEUED: [400, 'not_queued'],
  QUEUE_FULL: [429, 'queue_full'],
  LIMIT_EXCEEDED: [429, 'too_many_requests'],
  AUDIT_UNAVAILABLE: [503, 'audit_unavailable'],
  STORE_UNAVAILABLE: [503, 'service_unavailable'],
  STORE_LOCKED: [503, 'service_unavailable'],
  SHUTTING_DOWN: [503, 'shutting_down'],
  EXECUTOR_UNAVAILABLE: [503, 'service_unavailable'],
  UNAUTHENTICATED: [401, 'unauthorized'],
  FORBIDDEN: [403, 'forbidden'],
  INTERNAL: [500, 'internal_error'],
};

const INTERNAL: Problem = { status: 500, code: 'internal_error', message: 'Internal server error' };

const H3_CODES: Record<number, string> = { 400: 'bad_request', 404: 'not_found', 405: 'method_not_allowed', 413: 'payload_too_large', 415: 'unsupported_media_type' };

/**
 * The one translation of errors to HTTP. Unknown errors become a 500 without any detail, so
 * no stack trace or internal message ever reaches a client.
 */
export function problemOf(error: unknown): Problem {
  if (isApiError(error)) return { status: error.status, code: error.code, message: error.message, headers: error.headers };
  if (isTroupeError(error)) {
    const [status, code] = TABLE[error.code] ?? [500, 'internal_error'];
    if (status === 500) return INTERNAL;
    const problem: Problem = { status, code, message: error.message };
    if (error.code === 'INVALID_SPEC' && Array.isArray(error.details.errors)) problem.extra = { errors: error.details.errors };
    return problem;
  }
  // h3's own rejections (malformed URL, body limits) are expected 4xx; keep their status.
  if (HTTPError.isError(error) && error.status >= 400 && error.status < 500) {
    return { status: error.status, code: H3_CODES[error.status] ?? 'bad_request', message: error.message || 'Bad request' };
  }
  return INTERNAL;
}

/** A JSON response with the given status and headers. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: status === 204 ? headers : { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** Renders a problem as `{ code, message }` JSON. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return jsonResponse(problem.status, { code: problem.code, message: problem.message, ...problem.extra }, { ...problem.headers, ...headers });
}
