import type { StepSpec } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';
import { STEP_KEYS, checkKeys } from './spec-keys.ts';
import { readEnv } from './read-env.ts';
import { readRetryPolicy } from './read-retry-policy.ts';
import { noContinue, readContinueOn } from './read-continue-on.ts';
import { readPreconditions } from './read-preconditions.ts';

/** Signals a step may be stopped with. */
export const STOP_SIGNALS: ReadonlySet<string> = new Set([
  'SIGTERM', 'SIGINT', 'SIGKILL', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGABRT', 'SIGALRM', 'SIGPIPE',
]);

export const STEP_NAME_MAX = 40;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A step as read, with where each dependency was written (for "unknown step" problems). */
export interface ReadStep {
  spec: StepSpec;
  at: At;
  depends: Array<{ name: string; at: At }>;
  /** Where the step's name is written, when it is written. */
  nameAt?: At;
}

/** Why a step name is not valid, or `undefined`. */
export function stepNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'step name must not be empty';
  if (name.length > STEP_NAME_MAX) return `step name must be at most ${STEP_NAME_MAX} characters`;
  // Names end up in log file names, URLs and variable references.
  if (/[\x00-\x1f\x7f/\\]/.test(name)) return 'step name must not contain "/", "\\" or control characters';
  return undefined;
}

/**
 * Reads one step (a map, or a string shorthand for `run`) whose name has already been settled
 * by the caller. `at` is attributed to that step.
 */
export function readStep(reader: SpecReader, at: At, value: unknown, name: string, nameAt: At | undefined): ReadStep {
  const spec: StepSpec = { name, run: '', depends: [], env: [], continueOn: noContinue(), preconditions: [] };
  const read: ReadStep = { spec, at, depends: [], ...(nameAt ? { nameAt } : {}) };
  if (nameAt) {
    const problem = stepNameProblem(name);
    if (problem !== undefined) reader.add(nameAt, `${problem}: ${JSON.stringify(name)}`, { field: 'name' });
  }
  if (typeof value === 'string') {
    spec.run = value.trimEnd();
    if (spec.run.trim() === '') reader.add(at, 'step command must not be empty', { field: 'run' });
    return read;
  }
  const map = reader.map(at, value, 'a map (or a command string)');
  if (!map) return read;
  checkKeys(reader, at, map, STEP_KEYS, 'step');

  const text = (key: string): string | undefined => {
    const raw = map.get(key);
    return raw === null || raw === undefined ? undefined : reader.string(at.to(key), raw);
  };
  const id = text('id');
  if (id !== undefined) spec.id = id;
  const description = text('description');
  if (description !== undefined) spec.description = description;

  spec.run = readCommand(reader, at, map) ?? '';

  const deps = map.get('depends');
  if (Array.isArray(deps)) {
    deps.forEach((d, i) => {
      const s = reader.string(at.to('depends', i), d);
      if (s !== undefined) read.depends.push({ name: s, at: at.to('depends', i) });
    });
  } else if (deps !== null && deps !== undefined) {
    const s = deps instanceof Map ? (reader.wrongType(at.to('depends'), deps, 'a step name or a list of them'), undefined) : reader.string(at.to('depends'), deps);
    if (s !== undefined) read.depends.push({ name: s, at: at.to('depends') });
  }

  const output = text('output');
  if (output !== undefined) {
    const bare = output.startsWith('$') ? output.slice(1) : output;
    if (!VAR_NAME.test(bare)) reader.add(at.to('output'), `must be a variable name, got ${JSON.stringify(output)}`, { hint: 'letters, digits and "_", e.g. output: RESULT' });
    else spec.output = bare;
  }

  spec.env = readEnv(reader, at.to('env'), map.get('env'));
  const dir = text('working_dir');
  const oldDir = text('dir');
  if (dir !== undefined && oldDir !== undefined) reader.add(at.to('dir'), 'use either working_dir or dir, not both', { on: 'key', hint: 'dir is the old name of working_dir' });
  const workingDir = dir ?? oldDir;
  if (workingDir !== undefined && workingDir !== '') spec.workingDir = workingDir;

  const retry = readRetryPolicy(reader, at.to('retry_policy'), map.get('retry_policy'), 'step');
  if (retry) spec.retryPolicy = retry;
  spec.continueOn = readContinueOn(reader, at.to('continue_on'), map.get('continue_on'));
  spec.preconditions = [
    ...readPreconditions(reader, at.to('preconditions'), map.get('preconditions')),
    ...readPreconditions(reader, at.to('precondition'), map.get('precondition')),
  ];
  const timeout = map.get('timeout_sec');
  if (timeout !== null && timeout !== undefined) {
    const t = reader.integer(at.to('timeout_sec'), timeout);
    // 0 means "no timeout", as in Dagu.
    if (t !== undefined && t > 0) spec.timeoutSec = t;
  }
  const signal = text('signal_on_stop');
  if (signal !== undefined) {
    if (STOP_SIGNALS.has(signal)) spec.signalOnStop = signal;
    else {
      const guess = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
      reader.add(at.to('signal_on_stop'), `unknown signal ${JSON.stringify(signal)}`, { hint: STOP_SIGNALS.has(guess) ? `write ${guess}` : `use one of ${[...STOP_SIGNALS].join(', ')}` });
    }
  }
  return read;
}

/**
 * The command of a step. `run` is canonical: one line is a command, several lines a script, a
 * list of commands runs them one after another (joined with `&&`). The deprecated `command` and
 * `script` are accepted; with both, `command` is the interpreter the script is fed to on stdin
 * (Dagu writes it to a file and passes the path; the effect is the same for sh, bash, python,
 * node and perl).
 */
function readCommand(reader: SpecReader, at: At, map: YamlMap): string | undefined {
  const has = (k: string): boolean => map.get(k) !== null && map.get(k) !== undefined;
  if (has('run')) {
    for (const old of ['command', 'script']) {
      if (has(old)) reader.add(at.to(old), `use either run or ${old}, not both`, { on: 'key', hint: `${old} is deprecated; keep run` });
    }
    return commandText(reader, at.to('run'), map.get('run'), ' && ');
  }
  const command = has('command') ? commandText(reader, at.to('command'), map.get('command'), ' ') : undefined;
  const script = has('script') ? commandText(reader, at.to('script'), map.get('script'), undefined) : undefined;
  if (script !== undefined && command !== undefined) return heredoc(command, script);
  if (script !== undefined || command !== undefined) return script ?? command;
  if (!has('command') && !has('script')) {
    reader.add(at, 'step needs a command: set run', { field: 'run', hint: 'e.g. run: echo hello' });
  }
  return undefined;
}

function commandText(reader: SpecReader, at: At, value: unknown, join: string | undefined): string | undefined {
  if (Array.isArray(value) && join !== undefined) {
    const parts: string[] = [];
    value.forEach((item, i) => {
      const s = reader.string(at.to(i), item);
      if (s === undefined) return;
      if (join === ' && ' && s.trim().includes('\n')) reader.add(at.to(i), 'a command in a run list must be one line', { hint: 'use one multi-line run: | script instead' });
      else parts.push(join === ' ' ? shellQuote(s) : s.trim());
    });
    if (parts.length === 0) {
      reader.add(at, 'must not be empty');
      return undefined;
    }
    return parts.join(join);
  }
  const s = reader.string(at, value);
  if (s === undefined) return undefined;
  if (s.trim() === '') {
    reader.add(at, 'must not be empty');
    return undefined;
  }
  return s.trimEnd();
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function heredoc(interpreter: string, script: string): string {
  let tag = 'TROUPE_SCRIPT';
  const lines = new Set(script.split('\n'));
  for (let i = 1; lines.has(tag); i++) tag = `TROUPE_SCRIPT_${i}`;
  return `${interpreter} <<'${tag}'\n${script}\n${tag}`;
}
