import type { Actor } from 'xstate';
import { fromCallback, fromPromise } from 'xstate';
import type { Subscription } from 'rxjs';
import type { Clock, Logger } from '../core/index.ts';
import { maskText, planStepLaunch } from '../dag/index.ts';
import type { LaunchCommand, RunScope, StepLaunchPlan } from '../dag/index.ts';
import { runMachine, stepMachine } from '../machines/index.ts';
import type { ExecuteStepInput, PreconditionCheckInput, StepEvent } from '../machines/index.ts';
import type { JobLimits, JobRef, StepExecutor, StepJob } from './executors/port.ts';
import { newJobId } from './executors/port.ts';
import { fileLogSink } from './job-log-sink.ts';
import { preconditionsMet } from './preconditions.ts';
import { stepLogPaths } from './run-logs.ts';
import { afterCommand, collectResult, logOffsets, prepareStepFiles, stepOutputPath } from './step-files.ts';
import { runSubDagStep } from './sub-dag-step.ts';
import { runForeachStep } from './foreach-step.ts';
import type { SubDagPort } from './sub-dag-step.ts';

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
  /** The language scope of a live run, built by the runtime when its actor starts; an Error when it could not be built. */
  scopeOf: (dagName: string, dagRunId: string) => RunScope | Error | undefined;
  /** Starts and watches child runs for sub-DAG steps (`action: dag.run`). */
  subDags?: SubDagPort;
  /** Where a failed cancel of a step's job is reported (the job still ends with its own event). */
  logger?: Logger;
}

/** How one job of a step ended; `lost` when the executor cannot tell (its worker died). */
interface JobEnd {
  exitCode: number | null;
  signal: string | null;
  error?: string;
  logTruncated?: boolean;
  lost?: boolean;
}

/** The scope of a step's run; throws with the reason it has none. */
function scopeFor(deps: RunActorDeps, run: ExecuteStepInput['run']): RunScope {
  const scope = deps.scopeOf(run.dagName, run.dagRunId);
  if (scope instanceof Error) throw scope;
  if (!scope) throw new Error(`run ${run.dagName}/${run.dagRunId} has no scope`);
  return scope;
}

/**
 * The run machine with its side effects provided: each step try is one job on the executor
 * port (its id recorded with the run before it is submitted; its log to the step's files
 * through the job's log sink; stop as `cancel`), and preconditions run as jobs too.
 * Everything else the machines decide themselves.
 */
export function provideRunMachine(deps: RunActorDeps) {
  const executeStep = fromCallback<StepEvent, ExecuteStepInput>(({ input, sendBack, receive }) => {
    const { spec, run } = input;
    if (spec.call || spec.foreach) {
      // A sub-DAG call: child run actors instead of a job (sub-dag-step.ts).
      let scope: RunScope;
      try {
        scope = scopeFor(deps, run);
        if (!deps.subDags) throw new Error('sub-DAG calls are not available in this runtime');
      } catch (error) {
        sendBack({ type: 'step.exited', exitCode: null, error: (error as Error).message, now: deps.clock.now() });
        return () => {};
      }
      if (spec.foreach) return runForeachStep({ input, scope, port: deps.subDags, clock: deps.clock, sendBack, receive });
      return runSubDagStep({ input, scope, port: deps.subDags, clock: deps.clock, sendBack, receive });
    }
    const paths = stepLogPaths(run.logDir, spec.name);
    let current: JobRef | undefined;
    let submitted = false;
    let ended = false;
    let stopped = false;
    let killSignal: string | undefined;
    let sub: Subscription | undefined;
    let mask: string[] = [];
    const exited = (e: Omit<Extract<StepEvent, { type: 'step.exited' }>, 'type' | 'now'>) => {
      if (ended) return;
      ended = true;
      sendBack({ type: 'step.exited', ...e, ...(e.error !== undefined ? { error: maskText(e.error, mask) } : {}), now: deps.clock.now() });
    };
    const cancel = (signal: string, graceMs = deps.graceMs) => {
      if (!current) return;
      const jobId = current.jobId;
      deps.executor.cancel(jobId, { signal, graceMs }).catch((error: unknown) => deps.logger?.warn('cannot cancel a step job', { jobId, signal, error }));
    };

    /** One planned command as one job: its id recorded with the run first, then submitted. */
    const runJob = async (plan: StepLaunchPlan, command: LaunchCommand): Promise<JobEnd> => {
      const ref: JobRef = { jobId: newJobId(), runName: run.dagName, runId: run.dagRunId, attempt: run.attempt, step: spec.name };
      await deps.recordJob(ref);
      if (stopped || killSignal !== undefined) return { exitCode: null, signal: killSignal ?? 'SIGKILL' };
      const correlationId = deps.correlationOf?.(run.dagName, run.dagRunId);
      const placement = deps.placementOf?.(run.dagName, run.dagRunId);
      const job: StepJob = {
        ...ref,
        command: command.command,
        shell: command.shell,
        env: plan.env,
        cwd: plan.cwd,
        captureOutput: false,
        limits: { ...deps.limits, outputBytes: plan.maxOutputSize },
        ...(correlationId ? { correlationId } : {}),
        ...(placement ? { placement } : {}),
      };
      current = ref;
      const handle = deps.executor.submit(job, { log: fileLogSink(paths) });
      submitted = true;
      return new Promise((resolve) => {
        sub = handle.events$.subscribe((e) => {
          if (e.type === 'started') sendBack({ type: 'step.spawned', job: { jobId: ref.jobId, where: e.where }, now: deps.clock.now() });
          else if (e.type === 'exited') resolve({ exitCode: e.exitCode, signal: e.signal, ...(e.error !== undefined ? { error: e.error } : {}), ...(e.log.truncated ? { logTruncated: true } : {}) });
          else resolve({ exitCode: null, signal: null, error: `job lost: ${e.reason}`, lost: true });
        });
      });
    };

    void (async () => {
      let plan: StepLaunchPlan;
      try {
        const scope = scopeFor(deps, run);
        mask = scope.mask;
        plan = planStepLaunch({
          scope,
          step: spec,
          ...(input.handler ? { handler: true, runStatus: input.handler.runStatus } : {}),
          published: input.published ?? {},
          paths: { stdout: paths.stdout, stderr: paths.stderr, outputFile: stepOutputPath(run.logDir, spec.name, input.retryCount), scriptDir: run.logDir },
        });
        // The executor's output limit (stepLimits) caps max_output_size too.
        if (deps.limits?.outputBytes !== undefined) plan.maxOutputSize = Math.min(plan.maxOutputSize, deps.limits.outputBytes);
        prepareStepFiles(plan);
      } catch (error) {
        return exited({ exitCode: null, error: (error as Error).message });
      }
      const start = logOffsets(paths);
      const at = { out: start.out, err: start.err };
      let exit: JobEnd = { exitCode: 0, signal: null };
      for (const command of plan.commands) {
        try {
          exit = await runJob(plan, command);
        } catch (error) {
          exit = { exitCode: null, signal: null, error: `cannot run the step: ${(error as Error).message}` };
        }
        afterCommand(plan, command, at, paths);
        if (stopped) return;
        if (exit.error !== undefined || exit.exitCode !== 0) break;
      }
      const result = collectResult(spec, plan, { out: start.out, err: start.err }, paths, exit);
      exited({
        exitCode: result.exitCode,
        signal: exit.signal,
        ...(result.output !== undefined ? { output: result.output } : {}),
        ...(result.outputs !== undefined ? { outputs: result.outputs } : {}),
        ...(result.error !== undefined ? { error: result.error } : {}),
        ...(exit.logTruncated ? { logTruncated: true } : {}),
        // Lost (its worker died): the step's retry_policy applies, exit_code list or not.
        ...(exit.lost ? { lost: true } : {}),
      });
    })();

    receive((event) => {
      if (event.type !== 'step.kill') return;
      killSignal = event.signal;
      if (submitted) cancel(event.signal);
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
    const { owner, spec, run } = input;
    const scope = scopeFor(deps, run);
    try {
      const ok = await preconditionsMet(deps.executor, {
        clock: deps.clock,
        ...(deps.logger ? { logger: deps.logger } : {}),
        owner,
        scope,
        step: spec,
        published: input.published ?? {},
        ...(input.own ? { own: input.own } : {}),
        hostEnv: deps.baseEnv,
        dagName: run.dagName,
        dagRunId: run.dagRunId,
        attempt: run.attempt,
        logDir: run.logDir,
      });
      return { ok, now: deps.clock.now() };
    } catch (error) {
      throw new Error(maskText((error as Error).message, scope.mask));
    }
  });

  const step = stepMachine.provide({ actors: { executeStep, checkPreconditions } });
  return runMachine.provide({ actors: { step, checkPreconditions } });
}

export type ProvidedRunMachine = ReturnType<typeof provideRunMachine>;
