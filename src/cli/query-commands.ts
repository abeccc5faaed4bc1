import { TroupeError } from '../core/errors.ts';
import { isRunStatus } from '../dag/status.ts';
import type { CliBackend } from './backend.ts';
import { TERMINAL } from './backend.ts';
import { specOf } from './dag-target.ts';
import { EXIT_OK } from './exit-codes.ts';
import { human, runLine, runText } from './format.ts';
import type { CliIo } from './io.ts';
import { followRun } from './run-commands.ts';

export function positiveInt(value: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new TroupeError('INVALID_INPUT', `--${flag} must be an integer from 1 to ${max === Number.MAX_SAFE_INTEGER ? 'up' : max}, got ${value}`);
  return n;
}

/** `troupe status`: a run's details; with --follow, follows it to its end like `start`. */
export async function statusCommand(backend: CliBackend, io: CliIo, name: string, id: string, f: { json?: boolean; follow?: boolean }): Promise<number> {
  const d = await backend.getRun(name, id);
  if (!d) throw new TroupeError('RUN_NOT_FOUND', id === 'latest' ? `DAG ${name} has no runs` : `no run ${id} of DAG ${name}`);
  if (f.follow && !TERMINAL.has(d.statusLabel)) {
    if (!f.json) io.out(`following ${d.name} ${d.dagRunId} (${human(d.statusLabel)})`);
    return followRun(backend, io, d.name, d.dagRunId, f.json === true);
  }
  io.out(f.json ? JSON.stringify(d, null, 2) : runText(d));
  return EXIT_OK;
}

/** `troupe runs`: recent runs, newest first. */
export async function runsCommand(backend: CliBackend, io: CliIo, name: string | undefined, f: { status?: string; limit?: string; json?: boolean }): Promise<number> {
  if (f.status !== undefined && !isRunStatus(f.status)) throw new TroupeError('INVALID_INPUT', `unknown status ${f.status}`, { details: { hint: 'one of queued, running, succeeded, partially_succeeded, failed, aborted, not_started, rejected' } });
  const limit = positiveInt(f.limit, 'limit', 500) ?? 50;
  const list = await backend.listRuns({ ...(name ? { name } : {}), ...(f.status ? { status: [f.status as never] } : {}), limit });
  if (f.json) io.out(JSON.stringify(list, null, 2));
  else if (list.items.length === 0) io.err(name ? `no runs of ${name}` : 'no runs yet');
  else for (const d of list.items) io.out(runLine(d));
  return EXIT_OK;
}

/** The next time a cron expression fires after `from`, or undefined. */
async function nextFire(expr: string, from: Date): Promise<Date | undefined> {
  const { Cron } = await import('croner');
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr.trim());
  try {
    const cron = new Cron(tz ? tz[2]! : expr, { paused: true, ...(tz ? { timezone: tz[1]! } : {}) });
    const next = cron.nextRun(from);
    cron.stop();
    return next ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * `troupe dags`: every stored DAG with its last run's status and the next time its schedule
 * would fire (schedules are validated, not fired yet: the output says so).
 */
export async function dagsCommand(backend: CliBackend, io: CliIo, f: { json?: boolean }): Promise<number> {
  const dags = await backend.listDags();
  const now = new Date();
  const rows = await Promise.all(
    dags.map(async (d) => {
      const [last] = (await backend.listRuns({ name: d.name, limit: 1 })).items;
      const spec = d.errors.length > 0 ? undefined : await specOf(await backend.dagYaml(d.name), d.name);
      const schedule = spec?.schedule ?? [];
      const fires = (await Promise.all(schedule.map((e) => nextFire(e, now)))).filter((x): x is Date => x !== undefined);
      const next = fires.sort((a, b) => a.getTime() - b.getTime())[0];
      return {
        name: d.name,
        ...(d.description ? { description: d.description } : {}),
        schedule,
        nextRun: next?.toISOString() ?? null,
        lastRun: last ? { dagRunId: last.dagRunId, statusLabel: last.statusLabel, startedAt: last.startedAt, finishedAt: last.finishedAt } : null,
        errors: d.errors,
      };
    }),
  );
  if (f.json) {
    io.out(JSON.stringify({ dags: rows, schedulesFired: false }, null, 2));
    return EXIT_OK;
  }
  if (rows.length === 0) {
    io.err('no DAGs in the DAG directory');
    return EXIT_OK;
  }
  const w = Math.min(28, Math.max(4, ...rows.map((r) => r.name.length)));
  io.out(`${'NAME'.padEnd(w)}  ${'LAST RUN'.padEnd(20)}  ${'FINISHED'.padEnd(20)}  NEXT SCHEDULED`);
  for (const r of rows) {
    const last = r.errors.length > 0 ? `invalid (${r.errors.length} problem${r.errors.length > 1 ? 's' : ''})` : r.lastRun ? human(r.lastRun.statusLabel) : '-';
    const finished = r.lastRun?.finishedAt?.replace(/\.\d+Z$/, 'Z') ?? '-';
    io.out(`${r.name.padEnd(w)}  ${last.padEnd(20)}  ${finished.padEnd(20)}  ${r.nextRun ? `${r.nextRun.replace(/\.\d+Z$/, 'Z')} (${r.schedule.join(', ')})` : '-'}`);
  }
  if (rows.some((r) => r.schedule.length > 0)) io.err('note: schedules are validated but not fired yet; NEXT SCHEDULED is when they would fire');
  return EXIT_OK;
}

/** `troupe logs`: a run's log (the scheduler lines) or a step's stdout/stderr; --follow tails it. */
export async function logsCommand(backend: CliBackend, io: CliIo, name: string, id: string, f: { step?: string; stderr?: boolean; tail?: string; follow?: boolean }): Promise<number> {
  const tail = positiveInt(f.tail, 'tail');
  const d = await backend.getRun(name, id);
  if (!d) throw new TroupeError('RUN_NOT_FOUND', id === 'latest' ? `DAG ${name} has no runs` : `no run ${id} of DAG ${name}`);
  if (f.step !== undefined && !d.steps.some((s) => s.name === f.step)) {
    throw new TroupeError('STEP_NOT_FOUND', `run ${d.dagRunId} of ${name} has no step ${f.step}`, { details: { hint: `its steps: ${d.steps.map((s) => s.name).join(', ')}` } });
  }
  if (f.follow) {
    const { followLog } = await import('./follow-log.ts');
    return followLog(backend, io, d, { ...(f.step !== undefined ? { step: f.step } : {}), stream: f.stderr ? 'stderr' : 'stdout', ...(tail !== undefined ? { tail } : {}) });
  }
  if (f.step !== undefined) {
    const log = await backend.stepLog(name, d.dagRunId, f.step, f.stderr ? 'stderr' : 'stdout', tail);
    if (log.content) io.out(log.content.replace(/\n$/, ''));
  } else {
    const logs = await backend.runLogs(name, d.dagRunId, tail);
    if (logs.schedulerLog.content) io.out(logs.schedulerLog.content.replace(/\n$/, ''));
  }
  return EXIT_OK;
}

