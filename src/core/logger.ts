import { isoTime } from './clock.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields of one log line. Never put parameter values, secrets or spec bodies here. */
export type LogFields = Record<string, unknown>;

/**
 * The one structured logger every component receives. Each call writes one JSON line:
 * `{"time":…,"level":…,"msg":…,…bindings,…fields}`. `child` adds bindings (a component name,
 * a run id) to every line it writes.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in ORDER;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. @defaultValue 'info' (or `TROUPE_LOG_LEVEL`) */
  level?: LogLevel;
  /** Where a finished line goes (without its newline). @defaultValue stderr */
  write?: (line: string) => void;
  /** @defaultValue systemClock */
  clock?: Clock;
  bindings?: LogFields;
  /** Include error stacks. @defaultValue `TROUPE_DEBUG=1` */
  stacks?: boolean;
}

/** An `Error` as plain fields: name, message, a stable `code` when it has one; the stack on request. */
export function errorFields(error: unknown, stacks = false): LogFields {
  if (error instanceof Error) {
    const out: LogFields = { name: error.name, message: error.message };
    const code = (error as { code?: unknown }).code;
    if (code !== undefined) out['code'] = code;
    if (stacks && error.stack) out['stack'] = error.stack;
    return out;
  }
  return { message: String(error) };
}

function serialize(fields: LogFields, stacks: boolean): LogFields {
  let out: LogFields | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (value instanceof Error) {
      out ??= { ...fields };
      out[key] = errorFields(value, stacks);
    }
  }
  return out ?? fields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env['TROUPE_LOG_LEVEL'];
  const threshold = ORDER[options.level ?? (isLogLevel(envLevel) ? envLevel : 'info')];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = options.clock ?? systemClock;
  const stacks = options.stacks ?? process.env['TROUPE_DEBUG'] === '1';

  function make(bindings: LogFields): Logger {
    const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
      if (ORDER[level] < threshold) return;
      let line: string;
      try {
        line = JSON.stringify({ time: isoTime(clock.now()), level, msg, ...bindings, ...(fields ? serialize(fields, stacks) : {}) });
      } catch (error) {
        // A field that cannot be serialized (a cycle, a BigInt) must not lose the line.
        line = JSON.stringify({ time: isoTime(clock.now()), level, msg, ...bindings, logError: String(error) });
      }
      write(line);
    };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  }
  return make(options.bindings ?? {});
}

/** A logger that keeps its lines in memory, parsed: for tests that assert what was logged. */
export function createMemoryLogger(options: Omit<LoggerOptions, 'write'> = {}): Logger & { lines: Array<LogFields & { level: LogLevel; msg: string }> } {
  const lines: Array<LogFields & { level: LogLevel; msg: string }> = [];
  const logger = createLogger({ level: 'debug', ...options, write: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(logger, { lines });
}
