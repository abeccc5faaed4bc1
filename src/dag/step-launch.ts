import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Precondition, StepSpec } from './types.ts';
import type { Reference } from './references.ts';
import { resolveEnvEntries, resolveValue } from './resolve-value.ts';
import { bindShellText, pasteText } from './bind-shell-text.ts';
import { rootLookup } from './run-scope.ts';
import type { RunScope } from './run-scope.ts';
import type { StepFacts } from './run-context.ts';
import { ancestorsOf, predecessorOrder } from './step-graph.ts';
import { DEFAULT_MAX_OUTPUT_SIZE } from './output-file.ts';
import { shellWords } from './read-shell.ts';
import { setOwn } from './set-own.ts';

/** What a finished step published, as the launch of a later step sees it. */
export interface PublishedStep {
  status: string;
  /** Trimmed stdout of a step with string `output:`. */
  output?: string;
  /** Values of declared `outputs:`. */
  outputs?: Record<string, string>;
}

export interface StepLaunchInput {
  scope: RunScope;
  step: StepSpec;
  /** A `handler_on` step: no step-output lookups (§18.6). */
  handler?: boolean;
  /** Handlers: the run's status so far (`DAG_RUN_STATUS`, `${context.run.status}`). */
  runStatus?: string;
  /** Other steps of the run by name (only succeeded ones publish). */
  published: Readonly<Record<string, PublishedStep>>;
  paths: { stdout: string; stderr: string; outputFile: string; scriptDir: string };
}

/**
 * One process to start: its argv, the same as an executor's `shell` + `command` (the executor
 * appends `-c command`), and for scripts the file to write first (and remove after).
 */
export interface LaunchCommand {
  argv: string[];
  shell: string[];
  command: string;
  script?: { path: string; text: string };
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A POSIX-shell word for `text` (single-quoted unless it is plain). */
export function shellQuoteWord(text: string): string {
  return text !== '' && SAFE_WORD.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * argv as an executor job (`shell` + `command`, `-c` appended by the executor): a `… -c TEXT`
 * argv maps directly; any other argv (a script file, a shebang interpreter) runs as
 * `/bin/sh -c 'exec <argv>'`, which replaces the sh with exactly that argv.
 */
export function commandOf(argv: readonly string[]): { shell: string[]; command: string; argv: string[] } {
  if (argv.length >= 3 && argv[argv.length - 2] === '-c') return { shell: argv.slice(0, -2), command: argv[argv.length - 1]!, argv: [...argv] };
  return { shell: ['/bin/sh'], command: `exec ${argv.map(shellQuoteWord).join(' ')}`, argv: [...argv] };
}

/** Everything needed to run one step attempt: the single hand-off from the language to the runtime. */
export interface StepLaunchPlan {
  /** Run one after another, each in a fresh process; the first failure ends the step. */
  commands: LaunchCommand[];
  env: Record<string, string>;
  cwd: string;
  /** Create `cwd` (mkdir -p) before the first process starts. */
  createCwd: boolean;
  /** `DAGU_OUTPUT_FILE`: create it empty first; parse it after success when `outputs` are declared. */
  outputFile: string;
  outputs?: StepSpec['outputs'];
  /** Append copies of stdout / stderr to these files (absolute). */
  stdoutCopy?: string;
  stderrCopy?: string;
  /** Values to mask in logs, records and errors. */
  mask: string[];
  maxOutputSize: number;
  /** Directories to create before the first process (the artifacts directory, artifact parents). */
  mkdirs: string[];
  /** Object `output:` with literal strings and paths resolved; composed after success. */
  outputObject?: Record<string, { kind: 'value'; value: unknown } | { kind: 'stream'; from: 'stdout' | 'stderr'; decode: string } | { kind: 'file'; path: string; decode: string }>;
}

const UNIX_SHELLS = new Set(['sh', 'bash', 'zsh', 'ksh', 'ash', 'dash', 'mksh', 'busybox']);

/** The family of a shell executable (§10.4): its basename without `.exe`, lower case. */
export function shellFamily(executable: string): string {
  return basename(executable).replace(/\.exe$/i, '').toLowerCase();
}

/** The shell a step runs with (§10.4) and whether it was set on the step (then no `-e` is added). */
export function stepShell(scope: RunScope, step: StepSpec, env: Readonly<Record<string, string>>): { argv: string[]; explicit: boolean } {
  const expand = (words: string[]): string[] => words.map((w) => resolveValue(w, { lookup: (r) => rootLookup(scope.spec, scope.params, scope.paramsJson, scope.facts)(r, env), env }));
  if (step.shell) return { argv: expand(step.shell), explicit: true };
  if (scope.spec.shellArgv) return { argv: expand(scope.spec.shellArgv), explicit: false };
  const host = env.SHELL;
  if (host && UNIX_SHELLS.has(shellFamily(host)) && isAbsolute(host)) return { argv: [host], explicit: false };
  return { argv: ['/bin/sh'], explicit: false };
}

/** argv for a command (`-c TEXT`) or a script file, with Dagu's `-e` default for unix shells. */
function invocation(shell: { argv: string[]; explicit: boolean }, payload: { text: string } | { file: string }): string[] {
  const [exe, ...args] = shell.argv as [string, ...string[]];
  const unix = UNIX_SHELLS.has(shellFamily(exe));
  const own = args.filter((a) => a !== '-c');
  const failFast = unix && !shell.explicit && !own.includes('-e') ? ['-e'] : [];
  return 'text' in payload ? [exe, ...own, ...failFast, '-c', payload.text] : [exe, ...own, ...failFast, payload.file];
}

/** Parses a script's `#!` line (§10.5); `undefined` when there is none, `{error}` when it is malformed. */
export function parseShebang(text: string): string[] | { error: string } | undefined {
  if (!text.startsWith('#!')) return undefined;
  const line = text.slice(2, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).replace(/^[ \t]+/, '');
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated quote in the #! line' };
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        cur += line[j];
      }
      if (j >= line.length) return { error: 'unterminated quote in the #! line' };
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { error: 'trailing backslash in the #! line' };
      cur += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (words.length === 0 || words[0] === '') return { error: 'the #! line names no interpreter' };
  return words;
}

/**
 * Turns a step plus its run scope into the launch (§5.3, §10): the step environment
 * (root scope, initial step values, predecessor `output` variables in BFS order, step `env`,
 * attempt values), working directory, shell invocation per command, output and stream files,
 * and the masking list. In `run` text for a POSIX shell, params, env and step outputs are bound
 * as `TROUPE_REF_n` variables instead of pasted (see bind-shell-text.ts).
 * Throws an `Error` with a user-facing message when the step cannot start (bad shebang,
 * a command that resolves to several lines).
 */
export function planStepLaunch(input: StepLaunchInput): StepLaunchPlan {
  const { scope, step, paths } = input;
  const facts: StepFacts = { name: step.name, stdoutFile: paths.stdout, stderrFile: paths.stderr, outputFile: paths.outputFile };
  if (step.id !== undefined) facts.id = step.id;
  if (input.runStatus !== undefined) facts.runStatus = input.runStatus;
  const base = rootLookup(scope.spec, scope.params, scope.paramsJson, scope.facts, facts);
  const visible = input.handler ? new Set<string>() : (ancestorsOf(scope.spec).get(step.name) ?? new Set<string>());
  const byId = new Map(scope.spec.steps.filter((s) => s.id !== undefined).map((s) => [s.id!, s.name]));
  const lookup = (ref: Reference, env: Readonly<Record<string, string>>): string | undefined => {
    if (ref.ns !== 'steps') return base(ref, env);
    const [id, , name] = ref.path as [string, string, string];
    const producer = byId.get(id);
    if (producer === undefined || !visible.has(producer)) return undefined;
    const p = input.published[producer];
    if (!p || (p.status !== 'succeeded' && p.status !== 'partially_succeeded') || !p.outputs || !Object.hasOwn(p.outputs, name)) return undefined;
    return p.outputs[name];
  };

  const env: Record<string, string> = { ...scope.env };
  env.DAG_RUN_STEP_NAME = step.name;
  if (input.runStatus !== undefined) env.DAG_RUN_STATUS = input.runStatus;
  // Predecessor output variables: breadth-first upstream, a later-visited predecessor wins.
  if (!input.handler) {
    for (const name of predecessorOrder(scope.spec, step.name)) {
      const producer = scope.spec.steps.find((s) => s.name === name);
      const p = input.published[name];
      if (producer?.output && p && (p.status === 'succeeded' || p.status === 'partially_succeeded') && p.output !== undefined) setOwn(env, producer.output, p.output);
    }
  }
  // The step directory is known before step env is evaluated (PWD is an initial step value).
  let cwd = scope.workDir;
  if (step.workingDir !== undefined) {
    const dir = resolveValue(step.workingDir, { lookup: (r) => lookup(r, env), env });
    const home = dir.startsWith('~') ? join(env.HOME ?? '', dir.slice(1)) : dir;
    cwd = isAbsolute(home) ? home : join(scope.workDir, home);
  }
  env.PWD = cwd;
  Object.assign(env, resolveEnvEntries(step.env, env, { lookup }));
  // Attempt values: step env cannot shadow them.
  env.DAG_RUN_STEP_STDOUT_FILE = paths.stdout;
  env.DAG_RUN_STEP_STDERR_FILE = paths.stderr;
  env.DAGU_OUTPUT_FILE = paths.outputFile;
  env.PWD = cwd;

  const shell = stepShell(scope, step, env);
  const refs = (r: Reference): string | undefined => lookup(r, env);
  const commands: LaunchCommand[] = [];
  const counter = { next: 1 };
  const posix = UNIX_SHELLS.has(shellFamily(shell.argv[0]!));
  if ((step.runForm ?? (step.run.includes('\n') ? 'script' : 'command')) === 'script') {
    const shebang = shell.explicit ? undefined : parseShebang(step.run);
    if (shebang && !Array.isArray(shebang)) throw new Error(`cannot run the script: ${shebang.error}`);
    const interpreter = shebang ? shebang : undefined;
    const text = interpreter && !UNIX_SHELLS.has(shellFamily(interpreter[0]!)) ? pasteText(step.run, refs) : posix || interpreter ? bind(step.run) : pasteText(step.run, refs);
    const path = join(paths.scriptDir, `${safeName(step.name)}.${process.pid}.${Date.now().toString(36)}.script`);
    const argv = interpreter ? [...interpreter, path] : invocation(shell, { file: path });
    commands.push({ ...commandOf(argv), script: { path, text } });
  } else {
    for (const command of step.commands ?? [step.run]) {
      const text = posix ? bind(command) : pasteText(command, refs);
      if (text.includes('\n')) throw new Error('the command resolves to several lines; write it as a run: | script');
      commands.push(commandOf(invocation(shell, { text })));
    }
  }

  function bind(text: string): string {
    const bound = bindShellText(text, refs, counter);
    Object.assign(env, bound.env);
    return bound.text;
  }

  const plan: StepLaunchPlan = {
    commands,
    env,
    cwd,
    createCwd: true,
    outputFile: paths.outputFile,
    mask: scope.mask,
    maxOutputSize: scope.spec.maxOutputSize ?? DEFAULT_MAX_OUTPUT_SIZE,
    mkdirs: [],
  };
  if (step.outputObject) {
    const resolveLiteral = (v: unknown): unknown =>
      typeof v === 'string' ? resolveValue(v, { lookup: (r) => lookup(r, env), env }) : Array.isArray(v) ? v.map(resolveLiteral) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveLiteral(x)])) : v;
    const obj: NonNullable<StepLaunchPlan['outputObject']> = {};
    for (const [k, e] of Object.entries(step.outputObject)) {
      if (e.kind === 'value') obj[k] = { kind: 'value', value: resolveLiteral(e.value) };
      else if (e.kind === 'file') {
        const p = resolveValue(e.path, { lookup: (r) => lookup(r, env), env });
        obj[k] = { kind: 'file', path: isAbsolute(p) ? p : join(cwd, p), decode: e.decode };
      } else obj[k] = e;
    }
    plan.outputObject = obj;
  }
  const artifactsDir = scope.facts.artifactsDir;
  if (artifactsDir !== undefined) plan.mkdirs.push(artifactsDir);
  for (const [which, rel] of [['stdout', step.stdoutArtifact], ['stderr', step.stderrArtifact]] as const) {
    if (rel === undefined) continue;
    if (artifactsDir === undefined) throw new Error(`${which}.artifact needs artifacts to be enabled`);
    const target = join(artifactsDir, resolveValue(rel, { lookup: (r) => lookup(r, env), env }));
    if (!target.startsWith(`${artifactsDir}/`)) throw new Error(`${which}.artifact must stay inside the artifacts directory`);
    plan.mkdirs.push(dirname(target));
    if (which === 'stdout') plan.stdoutCopy = target;
    else plan.stderrCopy = target;
  }
  if (step.outputs) plan.outputs = step.outputs;
  const streamPath = (file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    const p = resolveValue(file, { lookup: (r) => lookup(r, env), env });
    return isAbsolute(p) ? p : join(cwd, p);
  };
  const out = streamPath(step.stdoutFile);
  const err = streamPath(step.stderrFile);
  if (out !== undefined) plan.stdoutCopy = out;
  if (err !== undefined) plan.stderrCopy = err;
  return plan;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}

/** A precondition ready to evaluate (§15): a command to run, or a value (to resolve dynamically with `eval`) to match. */
export type PreparedCondition =
  | { kind: 'command'; argv: string[]; negate: boolean; text: string }
  | { kind: 'value'; value: string; expected: string; negate: boolean }
  | { kind: 'eval'; text: string; expected: string; negate: boolean };

/**
 * Prepares preconditions with the same scope the step (or, with `dag: true`, the DAG's root
 * scope) runs with: `condition` value-resolved and env-expanded (no host fallback), `eval`
 * resolved and expanded with host fallback, ready for command substitution; commands get the
 * step's shell. `expected` is never resolved.
 */
export function preparePreconditions(plan: Pick<StepLaunchPlan, 'env'>, scope: RunScope, step: StepSpec, conditions: readonly Precondition[], hostEnv: Readonly<Record<string, string>>, published: Readonly<Record<string, PublishedStep>> = {}, handler = false): PreparedCondition[] {
  const env = plan.env;
  const visible = handler ? new Set<string>() : (ancestorsOf(scope.spec).get(step.name) ?? new Set<string>());
  const byId = new Map(scope.spec.steps.filter((s) => s.id !== undefined).map((s) => [s.id!, s.name]));
  const base = rootLookup(scope.spec, scope.params, scope.paramsJson, scope.facts, { name: step.name, ...(step.id ? { id: step.id } : {}) });
  const lookup = (r: Reference): string | undefined => {
    if (r.ns !== 'steps') return base(r, env);
    const producer = byId.get(r.path[0]!);
    const p = producer !== undefined && visible.has(producer) ? published[producer] : undefined;
    return p?.outputs && (p.status === 'succeeded' || p.status === 'partially_succeeded') && Object.hasOwn(p.outputs, r.path[2]!) ? p.outputs[r.path[2]!] : undefined;
  };
  const shell = stepShell(scope, step, env);
  return conditions.map((c): PreparedCondition => {
    if (c.eval) return { kind: 'eval', text: resolveValue(c.condition, { lookup, env, hostEnv }), expected: c.expected!, negate: c.negate };
    const value = resolveValue(c.condition, { lookup, env });
    if (c.expected !== undefined) return { kind: 'value', value, expected: c.expected, negate: c.negate };
    return { kind: 'command', argv: invocation({ argv: shell.argv, explicit: true }, { text: value }), negate: c.negate, text: value };
  });
}

/** Words of a shell value, for callers that hold a joined string. */
export { shellWords };
