import { join } from 'node:path';
import type { Clock, Logger } from '../core/index.ts';
import { commandOf, preparePreconditions, planStepLaunch, substituteCommands, valueMatches } from '../dag/index.ts';
import type { PublishedStep, RunScope } from '../dag/index.ts';
import type { StepSpec } from '../dag/types.ts';
import { firstValueFrom, last } from 'rxjs';
import type { StepExecutor } from './executors/port.ts';
import { newJobId } from './executors/port.ts';
import { fileLogSink } from './job-log-sink.ts';
import { safeFileName } from './run-logs.ts';
import { setOwn } from '../dag/set-own.ts';

export interface PreconditionRun {
  /** Times a check's `timeout`. */
  clock: Clock;
  /** Where a failed cancel of a timed-out check is reported. */
  logger?: Logger;
  /** Whose preconditions these are: a step name, or '' for the DAG's own. */
  owner: string;
  scope: RunScope;
  /** The step (for the DAG's own: a step-shaped holder of the DAG's preconditions). */
  step: StepSpec;
  published: Readonly<Record<string, PublishedStep>>;
  /**
   * A `repeat_policy` condition: what the step's execution just finished produced (§18.3). Its
   * `output:` variable is set in the condition's environment (`${NAME}`, `$NAME`, and the env of
   * a command check). `${steps.<own id>.outputs.x}` stays unresolved: self-references never
   * resolve (§11.2).
   */
  own?: { output?: string };
  hostEnv: Readonly<Record<string, string>>;
  dagName: string;
  dagRunId: string;
  attempt: number;
  logDir: string;
}

/** Timeout of one command substitution in an `eval` (§9.4). */
const EVAL_TIMEOUT_MS = 2000;

/**
 * Evaluates Dagu preconditions (§15) through the step executor (commands run as processes
 * too), with the scope the step runs with (the root scope for the DAG's own). Every entry is
 * evaluated, in order, and the results ANDed. A command check is met on exit 0 (and not met
 * when it cannot start); a value match passes when any line of the value equals `expected` (or
 * matches `re:`); `eval` runs its command substitutions first. `negate` flips met / not met;
 * an evaluation error (eval failure or timeout) throws.
 */
export async function preconditionsMet(executor: StepExecutor, run: PreconditionRun): Promise<boolean> {
  const prefix = run.owner === '' ? '' : `${safeFileName(run.owner)}.`;
  const paths = {
    stdout: join(run.logDir, `${prefix}preconditions.stdout.log`),
    stderr: join(run.logDir, `${prefix}preconditions.stderr.log`),
  };
  const plan = planStepLaunch({ scope: run.scope, step: { ...run.step, preconditions: [] }, published: run.published, paths: { ...paths, outputFile: join(run.logDir, `${prefix}preconditions.outputs`), scriptDir: run.logDir } });
  // A repeat condition sees this execution's output, or none (a predecessor's variable of the
  // same name is an older value).
  if (run.own && run.step.output) {
    if (run.own.output !== undefined) setOwn(plan.env, run.step.output, run.own.output);
    else delete plan.env[run.step.output];
  }
  const prepared = preparePreconditions(plan, run.scope, run.step, run.step.preconditions, run.hostEnv, run.published);
  let counter = 0;
  const exec = async (argv: string[], capture: boolean, timeoutMs?: number): Promise<{ code: number | null; output: string; error?: string }> => {
    const job = commandOf(argv);
    const prefixStep = run.owner === '' ? '' : `${run.owner}.`;
    const jobId = newJobId();
    const handle = executor.submit(
      {
        jobId,
        runName: run.dagName,
        runId: run.dagRunId,
        attempt: run.attempt,
        step: `${prefixStep}precondition-${counter++}`,
        command: job.command,
        shell: job.shell,
        env: plan.env,
        cwd: plan.cwd,
        captureOutput: capture,
      },
      // One file per owner: parallel steps check their preconditions at the same time.
      { log: fileLogSink(paths) },
    );
    let timedOut = false;
    const timer = timeoutMs === undefined ? undefined : run.clock.setTimeout(() => {
      timedOut = true;
      executor.cancel(jobId, { signal: 'SIGKILL', graceMs: 0 }).catch((error: unknown) => run.logger?.warn('cannot cancel a timed-out precondition check', { jobId, error }));
    }, timeoutMs);
    const end = await firstValueFrom(handle.events$.pipe(last()));
    if (timer !== undefined) run.clock.clearTimeout(timer);
    if (end.type !== 'exited') return { code: null, output: '', error: end.type === 'lost' ? `job lost: ${end.reason}` : 'ended without an exit' };
    const error = end.error ?? (timedOut ? 'timed out' : undefined);
    return { code: timedOut ? null : end.exitCode, output: (end.output ?? '').replace(/\s+$/, ''), ...(error !== undefined ? { error } : {}) };
  };
  let all = true;
  for (const c of prepared) {
    let met: boolean;
    if (c.kind === 'command') {
      const r = await exec(c.argv, false);
      met = r.error === undefined && r.code === 0;
    } else {
      let value = c.kind === 'value' ? c.value : '';
      if (c.kind === 'eval') {
        value = await substituteCommands(c.text, async (body) => {
          const r = await exec([...shellOf(plan), '-c', body], true, EVAL_TIMEOUT_MS);
          if (r.error !== undefined) throw new Error(`eval ${JSON.stringify(body)}: ${r.error}`);
          if (r.code !== 0) throw new Error(`eval ${JSON.stringify(body)} exited with code ${r.code}`);
          return r.output;
        });
      }
      met = valueMatches(value, c.expected);
    }
    if (met === c.negate) all = false;
  }
  return all;
}

/** The shell a precondition's `eval` substitutions run with: the scope's `SHELL`, else sh. */
function shellOf(plan: { env: Record<string, string> }): string[] {
  const sh = plan.env.SHELL;
  return sh && /\/(ba|da|z|k|a)?sh$/.test(sh) ? [sh] : ['/bin/sh'];
}
