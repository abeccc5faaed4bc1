import type { StepSpec } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';
import { STEP_KEYS, checkKeys } from './spec-keys.ts';
import { readEnv } from './read-env.ts';
import { readRetryPolicy } from './read-retry-policy.ts';
import { noContinue, readContinueOn } from './read-continue-on.ts';
import { readPreconditions } from './read-preconditions.ts';
import { readOutputs } from './read-outputs.ts';
import { readShell } from './read-shell.ts';
import { artifactPathProblem, readOutputObject } from './read-output-object.ts';
import { readAction, readLegacyCall } from './read-action.ts';
import { readRepeatPolicy } from './read-repeat-policy.ts';
import { readForeach } from './read-foreach.ts';

/** Signals a step may be stopped with. */
export const STOP_SIGNALS: ReadonlySet<string> = new Set([
  'SIGTERM', 'SIGINT', 'SIGKILL', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGABRT', 'SIGALRM', 'SIGPIPE',
]);

/** Dagu's limit on step names, in UTF-8 bytes (§2.3). */
export const STEP_NAME_MAX = 255;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A step as read, with where each dependency was written (for "unknown step" problems). */
export interface ReadStep {
  spec: StepSpec;
  at: At;
  depends: Array<{ name: string; at: At }>;
  /** Where the step's name is written, when it is written. */
  nameAt?: At;
  /** `depends` is written (even as `[]`). */
  hasDepends?: boolean;
}

/** Why a step name is not valid, or `undefined`. */
export function stepNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'step name must not be empty';
  if (Buffer.byteLength(name, 'utf8') > STEP_NAME_MAX) return `step name must be at most ${STEP_NAME_MAX} bytes`;
  // Names end up in run log lines: one line per transition.
  if (/[\x00-\x1f\x7f]/.test(name)) return 'step name must not contain control characters';
  return undefined;
}

/**
 * Reads one step (a map, or a string shorthand for `run`) whose name has already been settled
 * by the caller. `at` is attributed to that step.
 */
export function readStep(reader: SpecReader, at: At, value: unknown, name: string, nameAt: At | undefined): ReadStep {
  const spec: StepSpec = { name, run: '', runForm: 'command', commands: [], depends: [], env: [], continueOn: noContinue(), preconditions: [] };
  const read: ReadStep = { spec, at, depends: [], ...(nameAt ? { nameAt } : {}) };
  if (nameAt) {
    const problem = stepNameProblem(name);
    if (problem !== undefined) reader.add(nameAt, `${problem}: ${JSON.stringify(name)}`, { field: 'name' });
  }
  if (typeof value === 'string') {
    reader.note(at, 'deprecated', 'string shorthand steps are deprecated', { hint: 'write - run: <command>' });
    setRun(spec, value);
    if (value.trim() === '') reader.add(at, 'step command must not be empty', { field: 'run' });
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
  if (id !== undefined && id.trim() !== '') spec.id = id.trim();
  const description = text('description');
  if (description !== undefined) spec.description = description;

  readCommand(reader, at, map, spec);
  if (map.get('params') !== null && map.get('params') !== undefined && map.get('call') == null) reader.add(at.to('params'), 'step params go with a sub-DAG call', { on: 'key', hint: 'use action: dag.run with with: {dag: <name>, params: ...}' });
  for (const key of ['command', 'script', 'shell', 'shell_args']) {
    if (map.has(key)) reader.note(at.to(key), 'deprecated', `step key "${key}" is deprecated`, { on: 'key', hint: key === 'shell' || key === 'shell_args' ? `use with: {${key}: ...}` : 'use run' });
  }
  const isAction = map.get('action') !== null && map.get('action') !== undefined;
  const shell = isAction ? undefined : readShell(reader, at, map);
  if (shell) spec.shell = shell;
  const outputs = readOutputs(reader, at.to('outputs'), map.get('outputs'));
  if (outputs) {
    spec.outputs = outputs;
    if (spec.id === undefined) reader.add(at.to('outputs'), 'a step with outputs needs an id', { on: 'key', hint: 'add id: <name>; consumers write ${steps.<id>.outputs.<name>}' });
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const raw = map.get(stream);
    if (raw === null || raw === undefined) continue;
    if (raw instanceof Map) {
      const artifact = raw.get('artifact');
      for (const k of raw.keys()) {
        if (String(k) !== 'artifact') reader.add(at.to(stream, String(k)), String(k) === 'outputs' ? `${stream}.outputs is not supported by Troupe yet` : `unknown ${stream} key "${String(k)}"`, { on: 'key', hint: 'use artifact: <relative path>' });
      }
      if (typeof artifact !== 'string' || artifact.trim() === '') {
        if (raw.has('artifact')) reader.add(at.to(stream, 'artifact'), 'must be a non-empty relative path');
        continue;
      }
      const problem = artifactPathProblem(artifact);
      if (problem) reader.add(at.to(stream, 'artifact'), problem);
      else spec[stream === 'stdout' ? 'stdoutArtifact' : 'stderrArtifact'] = artifact;
      continue;
    }
    const file = reader.string(at.to(stream), raw);
    if (file !== undefined && file.trim() !== '') spec[stream === 'stdout' ? 'stdoutFile' : 'stderrFile'] = file;
    else if (file !== undefined) reader.add(at.to(stream), 'must not be empty');
  }

  const deps = map.get('depends');
  if (map.has('depends') && deps !== null) read.hasDepends = true;
  if (Array.isArray(deps)) {
    deps.forEach((d, i) => {
      const s = reader.string(at.to('depends', i), d);
      if (s !== undefined) read.depends.push({ name: s, at: at.to('depends', i) });
    });
  } else if (deps !== null && deps !== undefined) {
    const s = deps instanceof Map ? (reader.wrongType(at.to('depends'), deps, 'a step name or a list of them'), undefined) : reader.string(at.to('depends'), deps);
    if (s !== undefined) read.depends.push({ name: s, at: at.to('depends') });
  }

  const rawOutput = map.get('output');
  const output = rawOutput instanceof Map ? undefined : text('output');
  if (rawOutput instanceof Map) {
    const entries = readOutputObject(reader, at.to('output'), rawOutput);
    if (entries) spec.outputObject = entries;
  }
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
  const repeat = readRepeatPolicy(reader, at.to('repeat_policy'), map.get('repeat_policy'));
  if (repeat) spec.repeatPolicy = repeat;
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

/** Sets the run text and form (§10.2): a line break anywhere makes it a script. */
function setRun(spec: StepSpec, text: string): void {
  spec.run = text;
  spec.runForm = text.includes('\n') ? 'script' : 'command';
  spec.commands = [text];
}

/**
 * The command of a step (§10.2). `run` is canonical: a string without a line break is a
 * command, with one a script; a list holds commands, each run in its own shell. The deprecated
 * `command` and `script` are accepted; with both, `command` is the interpreter the script is
 * fed to.
 */
function readCommand(reader: SpecReader, at: At, map: YamlMap, spec: StepSpec): void {
  const has = (k: string): boolean => map.get(k) !== null && map.get(k) !== undefined;
  if (map.has('foreach')) {
    const other = ['run', 'command', 'script', 'action', 'call', 'parallel'].find(has);
    if (other) reader.add(at.to(other), `a foreach step has no ${other}: its body steps do the work`, { on: 'key', hint: 'move the command into foreach.steps' });
    else readForeach(reader, at.to('foreach'), map.get('foreach'), spec);
    return;
  }
  if (has('action')) {
    const legacy = ['run', 'command', 'script', 'call'].find(has);
    if (legacy) reader.add(at.to('action'), `use either ${legacy} or action, not both`, { on: 'key' });
    else readAction(reader, at, map, spec);
    return;
  }
  if (has('call')) {
    const other = ['run', 'command', 'script'].find(has);
    if (other) reader.add(at.to('call'), `use either ${other} or call, not both`, { on: 'key' });
    else readLegacyCall(reader, at, map, spec);
    return;
  }
  if (has('parallel')) reader.add(at.to('parallel'), 'parallel goes only with action dag.run or dag.enqueue', { on: 'key' });
  if (has('run')) {
    for (const old of ['command', 'script']) {
      if (has(old)) reader.add(at.to(old), `use either run or ${old}, not both`, { on: 'key', hint: `${old} is deprecated; keep run` });
    }
    const raw = map.get('run');
    if (Array.isArray(raw)) {
      const commands = runList(reader, at.to('run'), raw);
      if (commands) {
        spec.run = commands.join('\n');
        spec.runForm = 'list';
        spec.commands = commands;
      }
      return;
    }
    const s = reader.string(at.to('run'), raw);
    if (s === undefined) return;
    if (s.trim() === '') reader.add(at.to('run'), 'must not be empty');
    else setRun(spec, s);
    return;
  }
  const command = has('command') ? commandText(reader, at.to('command'), map.get('command')) : undefined;
  const script = has('script') ? commandText(reader, at.to('script'), map.get('script')) : undefined;
  if (script !== undefined && command !== undefined) setRun(spec, heredoc(command, script));
  else if (script !== undefined || command !== undefined) setRun(spec, (script ?? command)!);
  else if (!['command', 'script', 'foreach', 'call', 'parallel'].some(has)) reader.add(at, 'step needs a command: set run', { field: 'run', hint: 'e.g. run: echo hello' });
}

/** `run` as a list (§10.2.3): scalars stringified, `- echo: hi` read as `echo: hi`, blank entries skipped. */
function runList(reader: SpecReader, at: At, items: unknown[]): string[] | undefined {
  const out: string[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const where = at.to(i);
    let text: string | undefined;
    if (typeof item === 'string') text = item;
    else if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') text = String(item);
    else if (item instanceof Map && item.size === 1) {
      const [[k, v]] = [...item.entries()] as [[unknown, unknown]];
      if (v instanceof Map || Array.isArray(v)) {
        reader.add(where, 'a run list entry must be a command string', { hint: 'quote the command: - "echo: hi"' });
        ok = false;
        return;
      }
      text = `${String(k)}: ${v === null || v === undefined ? '' : String(v)}`;
    } else if (item === null || item === undefined) return;
    else {
      reader.add(where, 'a run list entry must be a command string', { hint: 'one command per entry; quote commands that contain ": "' });
      ok = false;
      return;
    }
    if (text.trim() === '') return;
    if (text.includes('\n')) {
      reader.add(where, 'a command in a run list must be one line', { hint: 'use one multi-line run: | script instead' });
      ok = false;
      return;
    }
    out.push(text);
  });
  if (!ok) return undefined;
  if (out.length === 0) {
    reader.add(at, 'must not be empty');
    return undefined;
  }
  return out;
}

function commandText(reader: SpecReader, at: At, value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const parts: string[] = [];
    value.forEach((item, i) => {
      const s = reader.string(at.to(i), item);
      if (s !== undefined) parts.push(shellQuote(s));
    });
    if (parts.length === 0) {
      reader.add(at, 'must not be empty');
      return undefined;
    }
    return parts.join(' ');
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
