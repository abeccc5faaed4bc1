/**
 * An HTTP-only failure raised by the edge itself (body too large, wrong media type, unknown
 * route). Inner layers throw `TroupeError`; both are translated in `error-response.ts`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** Dagu-style snake_case code, e.g. `payload_too_large`. */
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Brand check across module copies. */
export function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'ApiError';
}

/** A 400 naming the offending field. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'bad_request', message);
}
