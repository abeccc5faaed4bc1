import { join } from 'node:path';
import type { Precondition } from '../dag/types.ts';
import type { StepExecutor } from './ports.ts';
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
    const proc = executor.launch({
      dagName: run.dagName,
      dagRunId: run.dagRunId,
      attempt: run.attempt,
      stepName: `precondition-${i}`,
      command,
      shell: run.shell,
      env: run.env,
      ...(run.cwd !== undefined ? { cwd: run.cwd } : {}),
      // One file per owner: parallel steps check their preconditions at the same time, and
      // each reads its own output back from the file.
      stdoutPath: join(run.logDir, `${prefix}preconditions.stdout.log`),
      stderrPath: join(run.logDir, `${prefix}preconditions.stderr.log`),
      captureOutput: p.expected !== undefined,
    });
    const exit = await proc.exited;
    if (exit.error) throw new Error(exit.error);
    const ok = p.expected === undefined ? exit.exitCode === 0 : exit.exitCode === 0 && matches(exit.output ?? '', p.expected);
    if (ok === p.negate) return false;
  }
  return true;
}
