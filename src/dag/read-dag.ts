import { dagNameProblem } from '../core/index.ts';
import type { DagSpec, ScheduleEntry } from './types.ts';
import { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';
import { ROOT_KEYS, checkKeys } from './spec-keys.ts';
import { readEnv } from './read-env.ts';
import { readLabels } from './read-labels.ts';
import { readParams } from './read-params.ts';
import { readPreconditions } from './read-preconditions.ts';
import { readRetryPolicy } from './read-retry-policy.ts';
import { readSchedule } from './read-schedule.ts';
import { readSchedulingKeys } from './read-scheduling.ts';
import { readHandlers, readSteps } from './read-steps.ts';
import { readWorkerSelector } from './read-worker-selector.ts';
import { readConsts } from './read-consts.ts';
import { readSecrets } from './read-secrets.ts';
import { readDotenv } from './read-outputs.ts';
import { readShellValue } from './read-shell.ts';

/** Whether any string in the document mentions `needle`. */
function mentions(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.includes(needle);
  if (value instanceof Map) return [...value.values()].some((v) => mentions(v, needle));
  if (Array.isArray(value)) return value.some((v) => mentions(v, needle));
  return false;
}

/**
 * Reads `artifacts: {enabled, dir}` (§11.4). Storage turns on by itself when the DAG uses
 * `DAG_RUN_ARTIFACTS_DIR`, `${context.paths.artifacts_dir}` or `stdout/stderr.artifact`; any of
 * those with `enabled: false` is an error.
 */
function readArtifacts(reader: SpecReader, at: At, root: YamlMap, spec: DagSpec): DagSpec['artifacts'] {
  const raw = root.get('artifacts');
  let enabled: boolean | undefined;
  let dir: string | undefined;
  if (raw !== null && raw !== undefined) {
    const map = reader.map(at, raw);
    if (map) {
      for (const k of map.keys()) if (String(k) !== 'enabled' && String(k) !== 'dir') reader.add(at.to(String(k)), `unknown artifacts key "${String(k)}"`, { on: 'key', hint: 'use enabled and dir' });
      if (map.has('enabled')) enabled = reader.boolean(at.to('enabled'), map.get('enabled'));
      if (map.has('dir')) dir = reader.string(at.to('dir'), map.get('dir'));
    }
  }
  const steps = [...spec.steps, ...Object.values(spec.handlerOn)];
  const uses = steps.some((s) => s.stdoutArtifact !== undefined || s.stderrArtifact !== undefined) || mentions(root, 'DAG_RUN_ARTIFACTS_DIR') || mentions(root, 'context.paths.artifacts_dir') || mentions(root, '${paths.artifacts_dir}');
  if (enabled === false && uses) reader.add(at.to('enabled'), 'artifacts are disabled, but the DAG uses them (stdout/stderr artifact, DAG_RUN_ARTIFACTS_DIR or ${context.paths.artifacts_dir})', { hint: 'remove enabled: false' });
  if (enabled === undefined && !uses && dir === undefined) return undefined;
  return { enabled: enabled ?? true, ...(dir !== undefined && dir !== '' ? { dir } : {}) };
}

/** Reads the root map of a DAG document into a spec; problems go to `reader`. */
export function readDag(reader: SpecReader, root: YamlMap, defaultName: string | undefined, options: { child?: boolean } = {}): DagSpec {
  const at = new At();
  checkKeys(reader, at, root, ROOT_KEYS, 'DAG');
  const text = (key: string): string | undefined => {
    const raw = root.get(key);
    return raw === null || raw === undefined ? undefined : reader.string(at.to(key), raw);
  };
  const int = (key: string, min: number): number | undefined => {
    const raw = root.get(key);
    return raw === null || raw === undefined ? undefined : reader.integer(at.to(key), raw, min);
  };

  let name = options.child ? defaultName : text('name');
  if (options.child) {
    // A local child DAG's name was checked by the loader (non-empty, unique in the file).
  } else if (name !== undefined) {
    const problem = dagNameProblem(name);
    if (problem !== undefined) reader.add(at.to('name'), `${problem}: ${JSON.stringify(name)}`, { hint: 'letters, digits, "_", "." and "-", at most 40 characters' });
  } else if (defaultName !== undefined) {
    name = defaultName;
    const problem = dagNameProblem(name);
    if (problem !== undefined) reader.add(at, `${problem}: ${JSON.stringify(name)} (taken from the file name)`, { field: 'name', hint: 'rename the file or set name:' });
  } else {
    reader.add(at.to('name'), 'name is required', { hint: 'set name: or save the DAG under a file name' });
  }

  let type: 'graph' | 'chain' = 'graph';
  const rawType = text('type');
  if (rawType === 'chain' || rawType === 'graph') type = rawType;
  else if (rawType !== undefined) reader.add(at.to('type'), `must be "graph" or "chain", got ${JSON.stringify(rawType)}`, rawType === 'agent' || rawType === 'build' ? { hint: `${rawType} DAGs are not supported by Troupe` } : {});

  const labels: Record<string, string> = {};
  readLabels(reader, at.to('tags'), root.get('tags'), labels);
  readLabels(reader, at.to('labels'), root.get('labels'), labels);

  const shellArgv = readShellValue(reader, at.to('shell'), root.get('shell'), root.get('shell_args'), at.to('shell_args'));
  const secrets = readSecrets(reader, at.to('secrets'), root.get('secrets'));
  const env = readEnv(reader, at.to('env'), root.get('env'));
  for (const s of secrets) {
    if (env.some(([k]) => k === s.name)) reader.add(at.to('secrets'), `secret ${JSON.stringify(s.name)} has the name of an env entry`, { hint: 'a secret is set as that variable; remove one of them' });
  }

  const scheduleEntries: ScheduleEntry[] = [];
  const spec: DagSpec = {
    name: name ?? '',
    params: readParams(reader, at.to('params'), root.get('params')),
    env,
    consts: readConsts(reader, at.to('consts'), root.get('consts')),
    secrets,
    dotenv: readDotenv(reader, at.to('dotenv'), root.get('dotenv')),
    localDags: [],
    type,
    steps: readSteps(reader, at.to('steps'), root.get('steps'), type),
    handlerOn: readHandlers(reader, at.to('handler_on'), root.get('handler_on')),
    labels,
    preconditions: [
      ...readPreconditions(reader, at.to('preconditions'), root.get('preconditions')),
      ...readPreconditions(reader, at.to('precondition'), root.get('precondition')),
    ],
    schedule: readSchedule(reader, at.to('schedule'), root.get('schedule'), scheduleEntries),
  };
  readSchedulingKeys(reader, at, root, spec, scheduleEntries);
  // Run records key steps by name, so a handler must not share a name with a step.
  const stepNames = new Set(spec.steps.map((st) => st.name));
  for (const [kind, handler] of Object.entries(spec.handlerOn)) {
    if (stepNames.has(handler.name)) reader.add(at.to('handler_on', kind).inStep(handler.name), `handler step name ${JSON.stringify(handler.name)} is also the name of a step`, { field: 'name', hint: 'give the handler its own name:' });
  }
  const description = text('description');
  if (description !== undefined) spec.description = description;
  // 0 means "no limit" for timeouts and step concurrency, as in Dagu.
  const timeoutSec = int('timeout_sec', 0);
  if (timeoutSec) spec.timeoutSec = timeoutSec;
  const maxActiveSteps = int('max_active_steps', 0);
  if (maxActiveSteps) spec.maxActiveSteps = maxActiveSteps;
  const cleanUp = int('max_clean_up_time_sec', 0);
  if (cleanUp !== undefined) spec.maxCleanUpTimeSec = cleanUp;
  const queue = text('queue');
  if (queue !== undefined && queue.trim() !== '') spec.queue = queue.trim();
  const workingDir = text('working_dir');
  if (workingDir !== undefined && workingDir !== '') spec.workingDir = workingDir;
  if (shellArgv) {
    spec.shellArgv = shellArgv;
    spec.shell = shellArgv.join(' ');
  }
  const artifacts = readArtifacts(reader, at.to('artifacts'), root, spec);
  if (artifacts) spec.artifacts = artifacts;
  const maxOutput = int('max_output_size', 1);
  if (maxOutput !== undefined) spec.maxOutputSize = maxOutput;
  const retry = readRetryPolicy(reader, at.to('retry_policy'), root.get('retry_policy'), 'dag');
  if (retry) spec.retryPolicy = retry;
  const selector = readWorkerSelector(reader, at.to('worker_selector'), root.get('worker_selector'));
  if (selector) spec.workerSelector = selector;
  return spec;
}
