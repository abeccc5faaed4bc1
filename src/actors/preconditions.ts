import { join } from 'node:path';
import type { Precondition } from '../dag/types.ts';
import { firstValueFrom, last } from 'rxjs';
import type { StepExecutor } from './executors/port.ts';
import { newJobId } from './executors/port.ts';
import { fileLogSink } from './job-log-sink.ts';
import { safeFileName } from './run-logs.ts';

export interface PreconditionRun {
  /** Whose preconditions these are: a step name, or '' for the DAG's own. */
  owner: string;
  dagName: string;
  dagRunId: string;
  attempt: number;
  logDir: string;
  shell: string[];
  env: Record<string, string>;
  cwd?: string;
}

function matches(actual: string, expected: string): boolean {
  if (expected.startsWith('re:')) {
    try {
      return new RegExp(expected.slice(3)).test(actual);
    } catch {
      return false;
    }
  }
  return actual === expected;
}

/**
 * Evaluates Dagu preconditions through the step executor (they are shell commands too).
 * Without `expected`, a condition is a command that must exit 0; with `expected`, the
 * condition is expanded by the shell (variables, command substitution) and compared, or
 * matched as a regular expression with the `re:` prefix. `negate` inverts the result.
 */
export async function preconditionsMet(executor: StepExecutor, preconditions: Precondition[], run: PreconditionRun): Promise<boolean> {
  const prefix = run.owner === '' ? '' : `${safeFileName(run.owner)}.`;
  for (const [i, p] of preconditions.entries()) {
    const escaped = p.condition.replace(/[\\"]/g, (c) => `\\${c}`);
    const command = p.expected === undefined ? p.condition : `printf '%s' "${escaped}"`;
    const prefixStep = run.owner === '' ? '' : `${run.owner}.`;
    const handle = executor.submit(
      {
        jobId: newJobId(),
        runName: run.dagName,
        runId: run.dagRunId,
        attempt: run.attempt,
        step: `${prefixStep}precondition-${i}`,
        command,
        shell: run.shell,
        env: run.env,
        ...(run.cwd !== undefined ? { cwd: run.cwd } : {}),
        captureOutput: p.expected !== undefined,
      },
      // One file per owner: parallel steps check their preconditions at the same time.
      { log: fileLogSink({ stdout: join(run.logDir, `${prefix}preconditions.stdout.log`), stderr: join(run.logDir, `${prefix}preconditions.stderr.log`) }) },
    );
    const end = await firstValueFrom(handle.events$.pipe(last()));
    if (end.type === 'lost') throw new Error(`precondition job lost: ${end.reason}`);
    if (end.type !== 'exited') throw new Error('precondition job ended without an exit');
    if (end.error) throw new Error(end.error);
    const exit = end;
    const ok = p.expected === undefined ? exit.exitCode === 0 : exit.exitCode === 0 && matches(exit.output ?? '', p.expected);
    if (ok === p.negate) return false;
  }
  return true;
}
