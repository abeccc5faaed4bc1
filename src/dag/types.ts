/**
 * The normalized, validated form of a Dagu DAG file. Loaders turn YAML (snake_case keys,
 * several accepted shapes per field) into exactly this shape, so the engine never looks at raw
 * YAML. Durations are seconds, as in the YAML.
 */

export interface RetryPolicy {
  /** How many retries after the first failure. */
  limit: number;
  intervalSec: number;
  /** Multiplier applied per retry (`true` in YAML means 2). Absent = constant interval. */
  backoff?: number;
  maxIntervalSec?: number;
  /** Retry only on these exit codes; empty = any non-zero exit code. */
  exitCodes: number[];
}

export interface ContinueOn {
  failure: boolean;
  skipped: boolean;
  /** Exit codes that count as "continue" even though they are failures. */
  exitCodes: number[];
  /** Record the step as succeeded when it continued past a failure. */
  markSuccess: boolean;
}

export interface Precondition {
  /**
   * A shell command (its exit code decides) or, with `expected`, a value to resolve and compare.
   * With `eval`, the text is dynamically evaluated (`$(cmd)` / backticks run) before comparing.
   */
  condition: string;
  /** The text came from `eval:` (dynamic evaluation, §9); `expected` is then always set. */
  eval?: boolean;
  /** When set, the interpolated condition must equal this (or match it with the `re:` prefix). */
  expected?: string;
  negate: boolean;
}

/** A declared step output (`outputs:`), written by the step to `$DAGU_OUTPUT_FILE`. */
export interface OutputDecl {
  name: string;
  type: 'string' | 'json';
}

/** One entry of an object `output:`: a literal, `{value}`, or taken from a stream or file. */
export type OutputEntry =
  | { kind: 'value'; value: unknown }
  | { kind: 'stream'; from: 'stdout' | 'stderr'; decode: 'text' | 'json' | 'yaml' }
  | { kind: 'file'; path: string; decode: 'text' | 'json' | 'yaml' };

export interface StepSpec {
  name: string;
  id?: string;
  description?: string;
  /** The shell command (one line) or script (several lines); for a `run` list, the entries joined by newlines. */
  run: string;
  /**
   * How `run` executes (§10.2): `command` = `shell -c TEXT`, `script` = the text written to a
   * file run by the shell (or its shebang interpreter), `list` = each of `commands` in its own shell.
   */
  runForm?: 'command' | 'script' | 'list';
  /** The entries of a `run` list; `[run]` for the other forms. */
  commands?: string[];
  /** `with.shell` (+ `with.shell_args`) or the deprecated step `shell`: an explicit step shell (no `-e` added). */
  shell?: string[];
  /** Declared outputs (`outputs:`), parsed from `$DAGU_OUTPUT_FILE` after success. */
  outputs?: OutputDecl[];
  /** Copy stdout / stderr to this file too (append, relative to the step's working directory). */
  stdoutFile?: string;
  stderrFile?: string;
  /** `stdout: {artifact: path}` / `stderr: {artifact: path}`: copies inside the run's artifacts directory. */
  stdoutArtifact?: string;
  stderrArtifact?: string;
  /** Object form of `output:` (§11.1): published as the step's outputs after success. */
  outputObject?: Record<string, OutputEntry>;
  depends: string[];
  /** Capture trimmed stdout into this variable for later steps (`${NAME}`). */
  output?: string;
  /** In file order; later entries may refer to earlier ones. */
  env: Array<[string, string]>;
  workingDir?: string;
  retryPolicy?: RetryPolicy;
  continueOn: ContinueOn;
  preconditions: Precondition[];
  timeoutSec?: number;
  /** Signal name for stop, such as `SIGINT`; default SIGTERM. */
  signalOnStop?: string;
}

export type HandlerKind = 'success' | 'failure' | 'abort' | 'exit';

export interface DagParam {
  /** The key (`A` in `A=1`); positional params are named `1`, `2`, ... */
  name: string;
  /** The default (literal, never resolved); `''` when there is none. */
  value: string;
  /** False for a rich entry without `default` (the value is then `''` only if nothing else sets it). */
  hasDefault?: boolean;
  /** Positional (`1`, `2`…): not addressable as `${params.x}`. */
  positional?: boolean;
  /** Rich entries (§4.1). */
  type?: 'string' | 'integer' | 'number' | 'boolean';
  required?: boolean;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** Dynamic default: evaluated at run start when the caller left the param unset. */
  eval?: string;
  description?: string;
}

/** A secret (§7): resolved at run start, injected as env `name`, masked everywhere. */
export interface SecretSpec {
  name: string;
  provider: 'env' | 'file';
  key: string;
}

export interface DagSpec {
  name: string;
  description?: string;
  params: DagParam[];
  env: Array<[string, string]>;
  type: 'graph' | 'chain';
  /** For `chain`, the loader fills `depends` so each step depends on the previous one. */
  steps: StepSpec[];
  handlerOn: Partial<Record<HandlerKind, StepSpec>>;
  timeoutSec?: number;
  /** Queue name; absent means the DAG's own queue (named after the DAG, concurrency 1). */
  queue?: string;
  maxActiveSteps?: number;
  /** `key=value` labels; key-only labels map to ''. `workspace=<name>` assigns a workspace. */
  labels: Record<string, string>;
  workingDir?: string;
  /** The DAG shell as one string (display); `shellArgv` is what runs. */
  shell?: string;
  shellArgv?: string[];
  preconditions: Precondition[];
  /** `consts`, resolved at load time in order (§6). */
  consts?: Record<string, string>;
  secrets?: SecretSpec[];
  /** dotenv files to load at run start, in order (§5.4); `.env` comes first unless `dotenv: []`. */
  dotenv?: string[];
  /** Bytes; `DAGU_OUTPUT_FILE` and captured output above it fail the step. @defaultValue 1 MiB */
  maxOutputSize?: number;
  /** Artifact storage (§11.4): on when `artifacts.enabled`, or when the DAG uses artifacts. */
  artifacts?: { enabled: boolean; dir?: string };
  /** Names of the local child DAGs (documents 2…n); they only run as sub-DAGs (not supported yet). */
  localDags?: string[];
  /** DAG-level auto retry (parsed and validated; firing it is later work). */
  retryPolicy?: { limit: number; intervalSec: number; backoff?: number; maxIntervalSec?: number };
  /** Cron expressions (parsed and validated; firing them is later work). */
  schedule: string[];
  maxCleanUpTimeSec?: number;
  /** Dagu's `worker_selector`: labels a worker must carry to run this DAG (BullMQ executor). */
  workerSelector?: Record<string, string>;
}

/** One problem found while loading a DAG file. Validation reports all of them at once. */
export interface SpecProblem {
  message: string;
  /** JSON-path-like location, e.g. `steps[2].retry_policy.limit`; `''` for the document. */
  path: string;
  /** The step the problem is in, when it is in one. */
  step?: string;
  /** The offending key, when there is one. */
  field?: string;
  /** 1-based position from the YAML parser, when it has one. */
  line?: number;
  column?: number;
  /** A suggested fix, e.g. "use snake_case keys (retryPolicy -> retry_policy)". */
  hint?: string;
}

/**
 * A non-fatal finding: a deprecation, or a value reference validate cannot resolve (§8.8).
 * `defect` = no run can resolve it (printed by default); `runtime` = depends on the run
 * (printed with `--show-unresolved`); `deprecated` = legacy syntax with its replacement.
 */
export interface SpecNotice extends SpecProblem {
  kind: 'defect' | 'runtime' | 'deprecated' | 'warning';
  /** The reference token as written, for reference notices. */
  token?: string;
  /** Dagu's reason code, e.g. `unknown_step_id`, `unknown_env_binding`. */
  reason?: string;
}

/** The result of loading a DAG: a spec when there were no problems. */
export interface LoadResult {
  spec?: DagSpec;
  problems: SpecProblem[];
  /** Deprecations and unresolved-reference notices; never make the file invalid. */
  notices: SpecNotice[];
}
