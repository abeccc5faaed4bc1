/** Dagu's machine-readable MCP tool error codes; clients branch on these, never on messages. */
export type ToolErrorCode =
  | 'invalid_tool_input'
  | 'invalid_resource_uri'
  | 'unsupported_read_target'
  | 'unsupported_resource'
  | 'unsupported_change_mode'
  | 'unsupported_change_type'
  | 'unsupported_execute_action'
  | 'unsupported_target_type'
  | 'resource_not_found'
  | 'resource_unavailable'
  | 'conflict'
  | 'unauthenticated'
  | 'unauthorized'
  | 'internal_error';

/** The structured error object a failed tool call returns in `structuredContent`. */
export interface ToolErrorObject {
  code: ToolErrorCode;
  message: string;
  field?: string;
  [extra: string]: unknown;
}

/**
 * A tool failure with a Dagu error code, thrown by the MCP parsers and tools and turned into
 * an `isError` result exactly once (in `tools/run.ts`). `extras` echo context such as
 * `target`, `uri`, `mode`, `type`, `dagName`, `dagUri`, `details`.
 */
export class ToolFailure extends Error {
  override readonly name = 'ToolFailure';
  readonly code: ToolErrorCode;
  readonly extras: Record<string, unknown>;

  constructor(code: ToolErrorCode, message: string, extras: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.extras = extras;
  }

  /** The error object, with undefined extras dropped. */
  toObject(): ToolErrorObject {
    const out: ToolErrorObject = { code: this.code, message: this.message };
    for (const [k, v] of Object.entries(this.extras)) if (v !== undefined) out[k] = v;
    return out;
  }
}

/** Brand check (no `instanceof`, so it works across module copies). */
export function isToolFailure(value: unknown): value is ToolFailure {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'ToolFailure';
}

/** Shorthand for an `invalid_tool_input` failure naming `field`. */
export function invalidInput(message: string, field?: string, extras: Record<string, unknown> = {}): ToolFailure {
  return new ToolFailure('invalid_tool_input', message, { field, ...extras });
}
