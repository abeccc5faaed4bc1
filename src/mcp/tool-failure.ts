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

  /**
   * The error object, with undefined extras dropped and everything a caller sent cut: the
   * message to {@link MAX_MESSAGE_CHARS}, echoed strings to {@link MAX_ECHO_CHARS}, lists to
   * {@link MAX_ECHO_ITEMS} items. A hostile argument is never amplified by its error.
   */
  toObject(): ToolErrorObject {
    const out: ToolErrorObject = { code: this.code, message: cutText(this.message, MAX_MESSAGE_CHARS) };
    for (const [k, v] of Object.entries(this.extras)) if (v !== undefined) out[k] = cutEcho(v, 0);
    return out;
  }
}

/** Longest error message, in code units. */
export const MAX_MESSAGE_CHARS = 512;
/** Longest echoed string value (a `uri`, `target`, `dagName`, …), in code units. */
export const MAX_ECHO_CHARS = 256;
/** Most items kept of an echoed list (`details.errors`, `details.fields`). */
export const MAX_ECHO_ITEMS = 20;

/** Cuts `text` to `max` code units (never splitting a surrogate pair), marking the cut with `…`. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

function cutEcho(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cutText(value, MAX_ECHO_CHARS);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 3) return '[cut]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ECHO_ITEMS).map((v) => cutEcho(v, depth + 1));
    if (value.length > MAX_ECHO_ITEMS) items.push(`… ${value.length - MAX_ECHO_ITEMS} more`);
    return items;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (++n > MAX_ECHO_ITEMS) break;
    out[cutText(k, 64)] = cutEcho(v, depth + 1);
  }
  return out;
}

/** Brand check (no `instanceof`, so it works across module copies). */
export function isToolFailure(value: unknown): value is ToolFailure {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'ToolFailure';
}

/** Shorthand for an `invalid_tool_input` failure naming `field`. */
export function invalidInput(message: string, field?: string, extras: Record<string, unknown> = {}): ToolFailure {
  return new ToolFailure('invalid_tool_input', message, { field, ...extras });
}
