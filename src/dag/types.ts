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
  /** A shell command (its exit code decides) or a string to interpolate and compare. */
  condition: string;
  /** When set, the interpolated condition must equal this (or match it with the `re:` prefix). */
  expected?: string;
  negate: boolean;
}

export interface StepSpec {
  name: string;
  id?: string;
  description?: string;
  /** The shell command (one line) or script (several lines). */
  run: string;
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
  value: string;
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
  shell?: string;
  preconditions: Precondition[];
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

/** The result of loading a DAG: a spec when there were no problems. */
export interface LoadResult {
  spec?: DagSpec;
  problems: SpecProblem[];
}
