/** Environment names Troupe sets for every run or step (§16); validate treats them as known. */
export const BUILTIN_ENV_NAMES: readonly string[] = [
  'DAG_NAME', 'DAG_RUN_ID', 'DAG_RUN_ATTEMPT', 'DAG_RUN_LOG_FILE', 'DAG_RUN_WORK_DIR', 'DAG_PARAMS_JSON', 'DAG_RUN_STEP_NAME',
  'DAG_RUN_STEP_STDOUT_FILE', 'DAG_RUN_STEP_STDERR_FILE', 'DAGU_OUTPUT_FILE', 'DAG_RUN_STATUS', 'PWD',
];

/** Run values that env, dotenv or overrides can never replace in the final root scope (§5.3). */
export const PROTECTED_ENV_NAMES: readonly string[] = ['DAG_NAME', 'DAG_RUN_ID', 'DAG_RUN_LOG_FILE', 'DAG_RUN_WORK_DIR', 'DAG_RUN_ARTIFACTS_DIR', 'DAG_PARAMS_JSON'];

/** Host variables a step inherits (§5.2); everything else must be imported explicitly. */
const HOST_ALLOW = new Set([
  'PATH', 'HOME', 'USER', 'SHELL', 'TMPDIR', 'TERM', 'EDITOR', 'VISUAL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'LD_LIBRARY_PATH',
  'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION',
]);
const HOST_PREFIXES = ['DAGU_', 'DAG_', 'LC_', 'KUBERNETES_'];

/** The part of the host environment that reaches steps: Dagu's allowlist plus configured names and prefixes. */
export function inheritedEnv(host: Readonly<Record<string, string>>, passthrough: { names?: readonly string[]; prefixes?: readonly string[] } = {}): Record<string, string> {
  const names = new Set([...HOST_ALLOW, ...(passthrough.names ?? [])]);
  const prefixes = [...HOST_PREFIXES, ...(passthrough.prefixes ?? [])];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(host)) {
    if (names.has(k) || prefixes.some((p) => k.startsWith(p))) out[k] = v;
  }
  return out;
}

/** Facts of one run that `${context.*}` and the `DAG_*` variables expose. */
export interface RunFacts {
  dagName: string;
  dagRunId: string;
  attempt: number;
  /** ISO time the attempt started. */
  startedAt?: string;
  /** `manual`, `retry`, `scheduler`, ... */
  trigger?: string;
  logFile: string;
  workDir: string;
  /** Set when artifacts are on (§11.4). */
  artifactsDir?: string;
}

/** Facts of one step attempt. */
export interface StepFacts {
  name: string;
  id?: string;
  stdoutFile?: string;
  stderrFile?: string;
  outputFile?: string;
  /** Handlers only: the run's status so far. */
  runStatus?: string;
}

/** The value of `${context.<group>.<field>}`, or `undefined` when the scope has none (§16). */
export function contextValue(group: string, field: string, run: RunFacts, step?: StepFacts): string | undefined {
  switch (`${group}.${field}`) {
    case 'dag.name':
      return run.dagName;
    case 'run.id':
      return run.dagRunId;
    case 'run.status':
      return step?.runStatus;
    case 'attempt.id':
      return `${run.dagRunId}.${run.attempt}`;
    case 'attempt.started_at':
    case 'run.started_at':
      return run.startedAt;
    case 'step.id':
      return step?.id;
    case 'step.name':
      return step?.name;
    case 'trigger.type':
      return run.trigger;
    case 'paths.log_file':
      return run.logFile;
    case 'paths.work_dir':
      return run.workDir;
    case 'paths.artifacts_dir':
      return run.artifactsDir;
    case 'paths.step_stdout_file':
      return step?.stdoutFile;
    case 'paths.step_stderr_file':
      return step?.stderrFile;
    case 'paths.step_output_file':
      return step?.outputFile;
    default:
      return undefined;
  }
}
