import { TroupeError } from '../core/errors.ts';
import type { RunDetails, StartOptions } from '../actors/index.ts';
import type { CliBackend } from './backend.ts';
import { TERMINAL } from './backend.ts';
import { dagRef, specOf, warnUnknownParams } from './dag-target.ts';
import { EXIT_FAILED, EXIT_OK } from './exit-codes.ts';
import { human, outcomeLines } from './format.ts';
import type { CliIo } from './io.ts';
import { reporterFor } from './progress.ts';

/** Flags of `start` and `enqueue`. */
export interface StartFlags {
  params?: string;
  runId?: string;
  singleton?: boolean;
  queue?: string;
  json?: boolean;
  /** false with --no-wait */
  wait?: boolean;
}

const SUCCESS = new Set(['succeeded', 'partially_succeeded']);

/** Without a server a run lives in this process: it cannot be left running in the background. */
function refuseNoWaitLocally(backend: CliBackend, wait: boolean | undefined, command: string): void {
  if (wait !== false || backend.kind !== 'local') return;
  throw new TroupeError('INVALID_INPUT', `--no-wait needs a running server: without one the run lives in this process and would stop when it exits`, {
    details: { hint: `start \`troupe server\` first, or use \`troupe enqueue\` (the run then waits for the server), or drop --no-wait to follow it here (${command})` },
  });
}

/**
 * While a run follows in this process (no server), Ctrl-C or SIGTERM stops the run cleanly
 * (its steps get their stop signal) instead of leaving it to be found "interrupted" later; a
 * second signal exits at once.
 */
function stopOnSignal(backend: CliBackend, io: CliIo, name: string, id: string): () => void {
  if (backend.kind !== 'local') return () => {};
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    io.err(`${signal}: stopping ${name} ${id} (again to exit at once)`);
    backend.stop(name, id).catch((e: Error) => io.err(`cannot stop: ${e.message}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function startOptions(f: StartFlags): StartOptions {
  const o: StartOptions = {};
  if (f.params !== undefined) o.params = f.params;
  if (f.runId !== undefined) o.dagRunId = f.runId;
  if (f.singleton) o.singleton = true;
  if (f.queue !== undefined) o.queue = f.queue;
  return o;
}

async function checkParams(backend: CliBackend, target: string, params: string | undefined, io: CliIo): Promise<void> {
  if (params === undefined) return;
  const ref = dagRef(target);
  const name = 'name' in ref && ref.name !== undefined ? ref.name : target;
  const yaml = 'spec' in ref ? ref.spec : await backend.dagYaml(name).catch(() => undefined);
  await warnUnknownParams(await specOf(yaml, name), params, io);
}

/**
 * Follows a run to its end: the live display on a terminal, plain step lines otherwise, the
 * run details as JSON with --json. Exit 0 when it succeeded (or partially), else 1.
 */
export async function followRun(backend: CliBackend, io: CliIo, name: string, id: string, json: boolean): Promise<number> {
  const initial = io.tty && !json ? await backend.getRun(name, id) : undefined;
  const reporter = reporterFor(io, json, initial);
  const release = stopOnSignal(backend, io, name, id);
  let details: RunDetails;
  try {
    details = await backend.follow(name, id, (p) => reporter.step(p));
  } finally {
    release();
    reporter.end();
  }
  if (json) io.out(JSON.stringify(details, null, 2));
  else for (const line of outcomeLines(details)) io.out(line);
  return SUCCESS.has(details.statusLabel) ? EXIT_OK : EXIT_FAILED;
}

/** `troupe start`: runs a DAG and follows it; exit 0 on success, 1 when the run fails. */
export async function startCommand(backend: CliBackend, io: CliIo, target: string, f: StartFlags): Promise<number> {
  refuseNoWaitLocally(backend, f.wait, 'start');
  await checkParams(backend, target, f.params, io);
  const { name, dagRunId } = await backend.start(dagRef(target), startOptions(f));
  if (f.wait === false) {
    io.out(f.json ? JSON.stringify({ name, dagRunId }) : `started ${name} ${dagRunId}`);
    return EXIT_OK;
  }
  if (!f.json) io.out(`started ${name} ${dagRunId}`);
  return followRun(backend, io, name, dagRunId, f.json === true);
}

/** `troupe enqueue`: queues a run and prints its id. */
export async function enqueueCommand(backend: CliBackend, io: CliIo, target: string, f: StartFlags): Promise<number> {
  await checkParams(backend, target, f.params, io);
  const { name, dagRunId } = await backend.enqueue(dagRef(target), startOptions(f));
  io.out(f.json ? JSON.stringify({ name, dagRunId }) : `queued ${name} ${dagRunId}`);
  if (backend.kind === 'local') io.err('note: no server is running; the run waits in the queue until `troupe server` starts and dispatches it');
  return EXIT_OK;
}

/** A run id as given (`latest` is the DAG's most recent run). */
export async function resolveRunId(backend: CliBackend, name: string, id: string): Promise<string> {
  if (id !== 'latest') return id;
  const d = await backend.getRun(name, 'latest');
  if (!d) throw new TroupeError('RUN_NOT_FOUND', `DAG ${name} has no runs`);
  return d.dagRunId;
}

/** `troupe stop`: asks a running run to stop and waits until it has. */
export async function stopCommand(backend: CliBackend, io: CliIo, name: string, runId: string, f: { wait?: boolean } = {}): Promise<number> {
  const id = await resolveRunId(backend, name, runId);
  await backend.stop(name, id);
  if (f.wait === false) {
    io.out(`stopping ${name} ${id}`);
    return EXIT_OK;
  }
  const d = await backend.follow(name, id, () => {});
  io.out(`stopped ${name} ${id}: ${human(d.statusLabel)}`);
  return EXIT_OK;
}

export async function dequeueCommand(backend: CliBackend, io: CliIo, name: string, runId: string): Promise<number> {
  const id = await resolveRunId(backend, name, runId);
  await backend.dequeue(name, id);
  io.out(`dequeued ${name} ${id}`);
  return EXIT_OK;
}

/** `troupe retry`: a new attempt of the same run (failed steps, or --step and its downstream). */
export async function retryCommand(backend: CliBackend, io: CliIo, name: string, runId: string, f: { step?: string; includeDownstream?: boolean; json?: boolean; wait?: boolean }): Promise<number> {
  refuseNoWaitLocally(backend, f.wait, 'retry');
  const id = await resolveRunId(backend, name, runId);
  await backend.retry(name, id, { ...(f.step ? { stepName: f.step } : {}), ...(f.includeDownstream ? { includeDownstream: true } : {}) });
  if (!f.json || f.wait === false) io.out(f.json ? JSON.stringify({ name, dagRunId: id }) : `retrying ${name} ${id}`);
  if (f.wait === false) return EXIT_OK;
  return followRun(backend, io, name, id, f.json === true);
}

/**
 * `troupe restart` (Dagu's semantics): stops the run if it is running (dequeues it if queued),
 * waits until it has ended, then starts a new run of the same DAG with the same params.
 */
export async function restartCommand(backend: CliBackend, io: CliIo, name: string, id: string, f: { json?: boolean; wait?: boolean }): Promise<number> {
  refuseNoWaitLocally(backend, f.wait, 'restart');
  const d = await backend.getRun(name, id);
  if (!d) throw new TroupeError('RUN_NOT_FOUND', `dag-run ${name}:${id} not found`);
  if (d.statusLabel === 'queued') {
    await backend.dequeue(name, d.dagRunId);
    if (!f.json) io.out(`dequeued ${name} ${d.dagRunId}`);
  } else if (!TERMINAL.has(d.statusLabel)) {
    await backend.stop(name, d.dagRunId);
    const stopped = await backend.follow(name, d.dagRunId, () => {});
    if (!f.json) io.out(`stopped ${name} ${d.dagRunId}: ${human(stopped.statusLabel)}`);
  }
  const next = await backend.start({ name }, { params: d.params });
  if (f.wait === false) {
    io.out(f.json ? JSON.stringify({ name, dagRunId: next.dagRunId, restartedFrom: d.dagRunId }) : `started ${name} ${next.dagRunId} (restart of ${d.dagRunId})`);
    return EXIT_OK;
  }
  if (!f.json) io.out(`started ${name} ${next.dagRunId} (restart of ${d.dagRunId})`);
  return followRun(backend, io, name, next.dagRunId, f.json === true);
}
