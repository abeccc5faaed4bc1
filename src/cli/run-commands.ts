import { existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TroupeError } from '../core/index.ts';
import { isRunStatus } from '../dag/status.ts';
import type { DagRef, StartOptions } from '../actors/index.ts';
import type { CliBackend } from './backend.ts';
import type { CliIo } from './io.ts';
import { parseCommand } from './args.ts';
import { progressLine, runLine, runText } from './format.ts';

const START_OPTIONS = {
  params: { type: 'string' },
  'run-id': { type: 'string' },
  json: { type: 'boolean' },
  singleton: { type: 'boolean' },
  queue: { type: 'string' },
  'no-wait': { type: 'boolean' },
} as const;

function dagRef(arg: string | undefined): DagRef {
  if (!arg) throw new TroupeError('INVALID_INPUT', 'a DAG name or a .yaml file is required');
  const ext = extname(arg);
  if (ext === '.yaml' || ext === '.yml') {
    if (!existsSync(arg)) throw new TroupeError('INVALID_INPUT', `no such file: ${arg}`);
    return { spec: readFileSync(arg, 'utf8'), name: basename(arg, ext) };
  }
  return { name: arg };
}

function startOptions(values: { params?: string; 'run-id'?: string; singleton?: boolean; queue?: string }): StartOptions {
  const o: StartOptions = {};
  if (values.params !== undefined) o.params = values.params;
  if (values['run-id'] !== undefined) o.dagRunId = values['run-id'];
  if (values.singleton) o.singleton = true;
  if (values.queue !== undefined) o.queue = values.queue;
  return o;
}

const SUCCESS = new Set(['succeeded', 'partially_succeeded']);

/** `troupe start`: runs a DAG, printing a line per step transition; exit 0 on success. */
export async function startCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, START_OPTIONS);
  const ref = dagRef(positionals[0]);
  const { name, dagRunId } = await backend.start(ref, startOptions(values));
  if (!values.json) io.out(`started ${name} ${dagRunId}`);
  if (values['no-wait']) {
    if (values.json) io.out(JSON.stringify({ name, dagRunId }));
    return 0;
  }
  const details = await backend.follow(name, dagRunId, (p) => {
    if (!values.json) io.out(progressLine(p));
  });
  if (values.json) io.out(JSON.stringify(details, null, 2));
  else io.out(`${details.statusLabel}${details.error ? `: ${details.error}` : ''}`);
  return SUCCESS.has(details.statusLabel) ? 0 : 1;
}

/** `troupe enqueue`: queues a run and prints its id. */
export async function enqueueCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, START_OPTIONS);
  const { name, dagRunId } = await backend.enqueue(dagRef(positionals[0]), startOptions(values));
  io.out(values.json ? JSON.stringify({ name, dagRunId }) : `queued ${name} ${dagRunId}`);
  // A local engine would exit and leave the run queued until the next start; say so.
  if (backend.kind === 'local' && !values.json) io.err('note: no server is running; the run starts when `troupe server` starts');
  return 0;
}

function nameAndId(positionals: string[], verb: string): [string, string] {
  const [name, id] = positionals;
  if (!name || !id) throw new TroupeError('INVALID_INPUT', `usage: troupe ${verb} <name> <runId>`);
  return [name, id];
}

export async function stopCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { positionals } = parseCommand(argv, {});
  const [name, id] = nameAndId(positionals, 'stop');
  await backend.stop(name, id);
  io.out(`stopping ${name} ${id}`);
  return 0;
}

export async function dequeueCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { positionals } = parseCommand(argv, {});
  const [name, id] = nameAndId(positionals, 'dequeue');
  await backend.dequeue(name, id);
  io.out(`dequeued ${name} ${id}`);
  return 0;
}

export async function retryCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, { step: { type: 'string' }, 'include-downstream': { type: 'boolean' }, json: { type: 'boolean' }, 'no-wait': { type: 'boolean' } });
  const [name, id] = nameAndId(positionals, 'retry');
  await backend.retry(name, id, { ...(values.step ? { stepName: values.step } : {}), ...(values['include-downstream'] ? { includeDownstream: true } : {}) });
  if (!values.json) io.out(`retrying ${name} ${id}`);
  if (values['no-wait']) return 0;
  const details = await backend.follow(name, id, (p) => {
    if (!values.json) io.out(progressLine(p));
  });
  if (values.json) io.out(JSON.stringify(details, null, 2));
  else io.out(details.statusLabel);
  return SUCCESS.has(details.statusLabel) ? 0 : 1;
}

export async function statusCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' } });
  const [name, id = 'latest'] = positionals;
  if (!name) throw new TroupeError('INVALID_INPUT', 'usage: troupe status <name> [runId|latest]');
  const d = await backend.getRun(name, id);
  if (!d) {
    io.err(`no run ${id} of DAG ${name}`);
    return 1;
  }
  io.out(values.json ? JSON.stringify(d, null, 2) : runText(d));
  return 0;
}

export async function logsCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, { step: { type: 'string' }, stderr: { type: 'boolean' }, tail: { type: 'string' } });
  const [name, id] = nameAndId(positionals, 'logs');
  const tail = values.tail === undefined ? undefined : Number(values.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 1)) throw new TroupeError('INVALID_INPUT', '--tail must be a positive integer');
  if (values.step) {
    const log = await backend.stepLog(name, id, values.step, values.stderr ? 'stderr' : 'stdout', tail);
    if (log.content) io.out(log.content);
  } else {
    const logs = await backend.runLogs(name, id, tail);
    if (logs.schedulerLog.content) io.out(logs.schedulerLog.content);
  }
  return 0;
}

export async function runsCommand(argv: string[], backend: CliBackend, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, { status: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string' } });
  if (values.status !== undefined && !isRunStatus(values.status)) throw new TroupeError('INVALID_INPUT', `unknown status ${values.status}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new TroupeError('INVALID_INPUT', '--limit must be an integer from 1 to 500');
  const list = await backend.listRuns({ ...(positionals[0] ? { name: positionals[0] } : {}), ...(values.status ? { status: [values.status as never] } : {}), limit });
  if (values.json) io.out(JSON.stringify(list, null, 2));
  else for (const d of list.items) io.out(runLine(d));
  return 0;
}
