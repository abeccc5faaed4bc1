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

/** A sub-DAG call (§13): `action: dag.run` / `dag.enqueue`, or the deprecated `call:` + `params:`. */
export interface SubDagCall {
  /** `run` waits for the child's end; `enqueue` only queues it. */
  mode: 'run' | 'enqueue';
  /** The child DAG's name (value-resolved at dispatch): a local document of the same file first, then the DAG store. */
  dag: string;
  /** The child's params: a `K=v` string, a map, or a list of `K=v` strings / single-key maps (value-resolved). */
  params?: string | Record<string, unknown> | unknown[];
  /** `dag.enqueue` only: the queue to use instead of the child's own. */
  queue?: string;
}

/** `parallel` (§14.2): fan the sub-DAG call out over items. */
export interface ParallelSpec {
  /** A string source (value-resolved, then split) or static items. */
  items: string | Array<string | number | boolean | Record<string, string | number | boolean>>;
  /** @defaultValue 10 */
  maxConcurrent: number;
}

/** `foreach` (§14.3): an inline body run once per item, each item as a child run of the body document. */
export interface ForeachSpec {
  /** A string source (value-resolved, then read as a JSON array) or static items (any JSON values). */
  items: string | unknown[];
  /** The item's name in `${foreach.<as>}`. @defaultValue 'item' */
  as: string;
  /** Value-resolved per item with the item scope; the item's index when absent. */
  key?: string;
  /** @defaultValue 10 */
  maxConcurrent: number;
  /** Output name → value, resolved after a successful body (item scope + the body's step outputs). */
  collect?: Record<string, string>;
  /** The body steps (their own graph). */
  steps: StepSpec[];
  /** The name of the synthesized local document the bodies run as (set by loadDag). */
  document: string;
}

/** `repeat_policy` (§18.3). */
export interface RepeatPolicy {
  mode: 'while' | 'until';
  /** Value-resolved: a command (exit 0 = holds) or, with `expected`, a value to match. */
  condition?: string;
  expected?: string;
  exitCodes: number[];
  intervalSec: number;
  /** Total executions at most; absent = no limit. */
  limit?: number;
  backoff?: number;
  maxIntervalSec?: number;
}

/** A built-in action other than the sub-DAG ones (§12), run as one process. */
export type StepAction =
  | { kind: 'exec'; command: string; args: string[] }
  | { kind: 'noop' }
  | { kind: 'log.write'; message: string }
  | { kind: 'outputs.write'; values: Record<string, unknown> }
  | { kind: 'wait.duration'; duration: string }
  | { kind: 'file.write'; path: string; content: string; mode?: string; createDirs: boolean; overwrite: boolean }
  | { kind: 'file.read'; path: string }
  | { kind: 'file.mkdir'; path: string }
  | { kind: 'file.delete'; path: string; missingOk: boolean; recursive: boolean }
  | { kind: 'file.copy' | 'file.move'; source: string; destination: string; overwrite: boolean; createDirs: boolean };

export interface StepSpec {
  name: string;
  /** A sub-DAG call instead of a command. */
  call?: SubDagCall;
  /** With `call`: run the child once per item. */
  parallel?: ParallelSpec;
  /** An inline body fanned out over items instead of a command. */
  foreach?: ForeachSpec;
  /** A built-in action instead of `run`. */
  action?: StepAction;
  repeatPolicy?: RepeatPolicy;
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
  /** Names of the local child DAGs (documents 2…n, or the file's other documents for a child); they only run as sub-DAGs. */
  localDags?: string[];
  /** Set on the spec of a local child document: its name in the file (the run stores the whole file). */
  document?: string;
  /** DAG-level auto retry: a failed root run is retried as new attempts (src/actors/auto-retry.ts). */
  retryPolicy?: { limit: number; intervalSec: number; backoff?: number; maxIntervalSec?: number };
  /** Every cron expression of `schedule` (start, stop and restart), as written. */
  schedule: string[];
  /** `schedule` entry by entry with its form, for the scheduler (absent when there is none). */
  scheduleEntries?: ScheduleEntry[];
  /** Skip a scheduled start when the latest run succeeded since the previous fire time. */
  skipIfSuccessful?: boolean;
  /** `overlap_policy`: `all` lets a scheduled start queue behind a running or queued run. */
  overlapPolicy?: 'skip' | 'all' | 'latest';
  /** Seconds a `restart` schedule waits between stopping and starting. */
  restartWaitSec?: number;
  /** Runs older than this many days are pruned (§22). */
  histRetentionDays?: number;
  /** Only the newest N runs are kept (§22). */
  histRetentionRuns?: number;
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

export type ScheduleForm = 'start' | 'stop' | 'restart';

/** One entry of `schedule` (§19): a cron expression or a one-off `at` time. */
export interface ScheduleEntry {
  form: ScheduleForm;
  kind: 'cron' | 'at';
  /** As written (with its `CRON_TZ=` prefix, or the `at` time). */
  text: string;
  /** The cron expression without its time zone prefix. */
  expression?: string;
  /** The `CRON_TZ=`/`TZ=` zone; absent = the scheduler's zone. */
  timezone?: string;
  /** Epoch ms of a one-off `at` entry. */
  atMs?: number;
  profile?: string;
}
