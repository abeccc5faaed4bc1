import type { Actor } from 'xstate';
import { fromCallback, fromPromise } from 'xstate';
import type { Subscription } from 'rxjs';
import type { Clock } from '../core/index.ts';
import { interpolate, evalEnv } from '../dag/index.ts';
import { runMachine, stepMachine } from '../machines/index.ts';
import type { ExecuteStepInput, PreconditionCheckInput, StepEvent, StepInput } from '../machines/index.ts';
import type { StepSpec } from '../dag/types.ts';
import type { JobLimits, JobRef, StepExecutor, StepJob } from './executors/port.ts';
import { newJobId } from './executors/port.ts';
import { fileLogSink } from './job-log-sink.ts';
import { preconditionsMet } from './preconditions.ts';
import { runLogPath, stepLogPaths } from './run-logs.ts';

export type RunActor = Actor<typeof runMachine>;

export interface RunActorDeps {
  executor: StepExecutor;
  clock: Clock;
  /** The environment every step inherits (process.env by default). */
  baseEnv: Record<string, string>;
  /** Persists a step's job id with its run before the job is submitted (crash recovery finds it). */
  recordJob: (ref: JobRef) => Promise<void>;
  /** Time between a stop signal and SIGKILL. */
  graceMs: number;
  limits?: JobLimits;
  /** The correlation id of the run's cause, for the executor's own logs. */
  correlationOf?: (dagName: string, dagRunId: string) => string | undefined;
  /** Placement hints for worker executors: the DAG's worker_selector, the run as affinity. */
  placementOf?: (dagName: string, dagRunId: string) => StepJob['placement'];
}

export function shellOf(shell: string | undefined): string[] {
  if (!shell || shell.trim() === '') return ['/bin/sh'];
  return shell.trim().split(/\s+/);
}

/** The environment of one step: inherited, then DAG vars, then the step's own env, then run facts. */
export function stepEnv(deps: Pick<RunActorDeps, 'baseEnv'>, spec: StepSpec, vars: Record<string, string>, run: StepInput['run'], stdout: string): Record<string, string> {
  const base = { ...deps.baseEnv, ...vars };
  const own = evalEnv(spec.env, base);
  // One object: `own` is written into `base` rather than copied again (200 steps, 200 envs).
  Object.assign(base, own);
  base.DAG_NAME = run.dagName;
  base.DAG_RUN_ID = run.dagRunId;
  base.DAG_RUN_ATTEMPT = String(run.attempt);
  base.DAG_RUN_STEP_NAME = spec.name;
  base.DAG_RUN_LOG_FILE = runLogPath(run.logDir);
  base.DAG_RUN_STEP_STDOUT_FILE = stdout;
  return base;
}

function cwdOf(spec: StepSpec, run: StepInput['run'], vars: Record<string, string>): string | undefined {
  const dir = spec.workingDir ?? run.workingDir;
  return dir === undefined ? undefined : interpolate(dir, vars);
}

/**
 * The run machine with its side effects provided: each step try is one job on the executor
 * port (its id recorded with the run before it is submitted; its log to the step's files
 * through the job's log sink; stop as `cancel`), and preconditions run as jobs too.
 * Everything else the machines decide themselves.
 */
export function provideRunMachine(deps: RunActorDeps) {
  const executeStep = fromCallback<StepEvent, ExecuteStepInput>(({ input, sendBack, receive }) => {
    const { spec, vars, run } = input;
    const paths = stepLogPaths(run.logDir, spec.name);
    const ref: JobRef = { jobId: newJobId(), runName: run.dagName, runId: run.dagRunId, attempt: run.attempt, step: spec.name };
    let submitted = false;
    let ended = false;
    let stopped = false;
    let killSignal: string | undefined;
    let sub: Subscription | undefined;
    const exited = (e: Omit<Extract<StepEvent, { type: 'step.exited' }>, 'type' | 'now'>) => {
      if (ended) return;
      ended = true;
      sendBack({ type: 'step.exited', ...e, now: deps.clock.now() });
    };
    const cancel = (signal: string, graceMs = deps.graceMs) => {
      deps.executor.cancel(ref.jobId, { signal, graceMs }).catch(() => undefined);
    };

    deps.recordJob(ref).then(
      () => {
        if (stopped) return;
        // Asked to stop while the job id was being recorded: it never runs.
        if (killSignal !== undefined) return exited({ exitCode: null, signal: killSignal });
        const cwd = cwdOf(spec, run, vars);
        const correlationId = deps.correlationOf?.(run.dagName, run.dagRunId);
        const placement = deps.placementOf?.(run.dagName, run.dagRunId);
        const job: StepJob = {
          ...ref,
          command: spec.run,
          shell: shellOf(run.shell),
          env: stepEnv(deps, spec, vars, run, paths.stdout),
          ...(cwd !== undefined ? { cwd } : {}),
          captureOutput: spec.output !== undefined,
          ...(deps.limits ? { limits: deps.limits } : {}),
          ...(correlationId ? { correlationId } : {}),
          ...(placement ? { placement } : {}),
        };
        try {
          const handle = deps.executor.submit(job, { log: fileLogSink(paths) });
          submitted = true;
          sub = handle.events$.subscribe((e) => {
            if (e.type === 'started') sendBack({ type: 'step.spawned', job: { jobId: ref.jobId, where: e.where }, now: deps.clock.now() });
            else if (e.type === 'exited') {
              const error = e.error ?? e.outputError;
              exited({
                exitCode: e.exitCode,
                signal: e.signal,
                ...(e.output !== undefined ? { output: e.output } : {}),
                ...(error !== undefined ? { error } : {}),
                ...(e.log.truncated ? { logTruncated: true } : {}),
              });
            } else exited({ exitCode: null, error: `job lost: ${e.reason}`, lost: true });
          });
        } catch (error) {
          exited({ exitCode: null, error: (error as Error).message });
        }
      },
      (error: Error) => exited({ exitCode: null, error: `cannot record the job before running it: ${error.message}` }),
    );

    receive((event) => {
      if (event.type !== 'step.kill') return;
      if (submitted) cancel(event.signal);
      else killSignal = event.signal;
    });
    // Leaving the state before the job ended means the actor is being stopped (runtime
    // shutdown): the job must not outlive it.
    return () => {
      stopped = true;
      sub?.unsubscribe();
      if (submitted && !ended) cancel('SIGKILL', 0);
    };
  });

  const checkPreconditions = fromPromise<{ ok: boolean; now: number }, PreconditionCheckInput>(async ({ input }) => {
    const { owner, spec, vars, run } = input;
    const env = stepEnv(deps, spec, vars, run, '');
    const conditions = spec.preconditions.map((p) => ({
      ...p,
      ...(p.expected !== undefined ? { expected: interpolate(p.expected, env) } : {}),
    }));
    const cwd = cwdOf(spec, run, vars);
    const ok = await preconditionsMet(deps.executor, conditions, {
      owner,
      dagName: run.dagName,
      dagRunId: run.dagRunId,
      attempt: run.attempt,
      logDir: run.logDir,
      shell: shellOf(run.shell),
      env,
      ...(cwd !== undefined ? { cwd } : {}),
    });
    return { ok, now: deps.clock.now() };
  });

  const step = stepMachine.provide({ actors: { executeStep, checkPreconditions } });
  return runMachine.provide({ actors: { step, checkPreconditions } });
}

export type ProvidedRunMachine = ReturnType<typeof provideRunMachine>;
