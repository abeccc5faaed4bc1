import { dagNameProblem } from '../core/index.ts';
import type { DagSpec } from './types.ts';
import { At } from './spec-path.ts';
import type { SpecReader, YamlMap } from './spec-reader.ts';
import { ROOT_KEYS, checkKeys } from './spec-keys.ts';
import { readEnv } from './read-env.ts';
import { readLabels } from './read-labels.ts';
import { readParams } from './read-params.ts';
import { readPreconditions } from './read-preconditions.ts';
import { readRetryPolicy } from './read-retry-policy.ts';
import { readSchedule } from './read-schedule.ts';
import { readHandlers, readSteps } from './read-steps.ts';
import { readWorkerSelector } from './read-worker-selector.ts';

/** Reads the root map of a DAG document into a spec; problems go to `reader`. */
export function readDag(reader: SpecReader, root: YamlMap, defaultName: string | undefined): DagSpec {
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

  let name = text('name');
  if (name !== undefined) {
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

  let shell = text('shell');
  const shellArgs = reader.stringList(at.to('shell_args'), root.get('shell_args'));
  if (shellArgs.length > 0) shell = [shell ?? '/bin/sh', ...shellArgs].join(' ');

  const spec: DagSpec = {
    name: name ?? '',
    params: readParams(reader, at.to('params'), root.get('params')),
    env: readEnv(reader, at.to('env'), root.get('env')),
    type,
    steps: readSteps(reader, at.to('steps'), root.get('steps'), type),
    handlerOn: readHandlers(reader, at.to('handler_on'), root.get('handler_on')),
    labels,
    preconditions: [
      ...readPreconditions(reader, at.to('preconditions'), root.get('preconditions')),
      ...readPreconditions(reader, at.to('precondition'), root.get('precondition')),
    ],
    schedule: readSchedule(reader, at.to('schedule'), root.get('schedule')),
  };
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
  if (shell !== undefined && shell.trim() !== '') spec.shell = shell.trim();
  const retry = readRetryPolicy(reader, at.to('retry_policy'), root.get('retry_policy'), 'dag');
  if (retry) spec.retryPolicy = retry;
  const selector = readWorkerSelector(reader, at.to('worker_selector'), root.get('worker_selector'));
  if (selector) spec.workerSelector = selector;
  return spec;
}
