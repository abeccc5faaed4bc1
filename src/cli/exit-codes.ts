import { isTroupeError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';

/**
 * The exit codes of every `troupe` command (documented once, in the README):
 * 0 success (a run that succeeded or partially succeeded), 1 the operation failed (a failed or
 * aborted run, something asked for does not exist, the store or the server is unavailable),
 * 2 bad input or usage (unknown command or option, a missing argument, an invalid DAG file,
 * invalid params, an invalid config file).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES = new Set<ErrorCode>(['INVALID_INPUT', 'INVALID_SPEC']);

export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_FAILED;
}

/** A hint printed after the error line, for errors where the next step is not obvious. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  STORE_LOCKED: 'another Troupe process (a `troupe server`, or a `troupe start` still running) holds it; wait for it, or stop it',
  AUDIT_UNAVAILABLE: 'the audit trail cannot be written and audit.on_failure is fail_closed; check the disk, or see `troupe audit verify`',
};

/**
 * The lines a failed command prints on stderr: `troupe <command>: <message>`, one per line of
 * the message (a config or DAG file with several problems lists each), then a hint when one
 * helps. An unexpected error is one line too; its stack only with TROUPE_DEBUG=1.
 */
export function failureLines(command: string, error: unknown, debug: boolean): { lines: string[]; code: number } {
  const prefix = command ? `troupe ${command}: ` : 'troupe: ';
  if (isTroupeError(error)) {
    // A DAG with several problems: one line each (the message joins them for one-line surfaces).
    const errors = error.details.errors;
    const list = Array.isArray(errors) && errors.length > 0 && errors.every((e) => typeof e === 'string') ? (errors as string[]) : error.message.split('\n');
    const lines = list.map((l) => prefix + l);
    const hint = (error.details.hint as string | undefined) ?? HINTS[error.code];
    if (hint) lines.push(`  hint: ${hint}`);
    if (debug && error.stack) lines.push(error.stack);
    return { lines, code: exitCodeFor(error.code) };
  }
  const e = error as { message?: unknown; stack?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(error);
  const lines = [`${prefix}unexpected error: ${message}`];
  if (debug) lines.push(typeof e?.stack === 'string' ? e.stack : String(error));
  else lines.push('  hint: run again with TROUPE_DEBUG=1 to see the stack trace');
  return { lines, code: EXIT_FAILED };
}
