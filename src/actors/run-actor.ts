import type { Actor, InspectionEvent } from 'xstate';
import { createActor, fromCallback, fromPromise } from 'xstate';
import type { Clock } from '../core/index.ts';
import { interpolate, evalEnv } from '../dag/index.ts';
import { runMachine, stepMachine } from '../machines/index.ts';
import type { ExecuteStepInput, PreconditionCheckInput, RunInput, StepEvent, StepInput } from '../machines/index.ts';
import type { StepSpec } from '../dag/types.ts';
import type { StepExecutor } from './ports.ts';
import { preconditionsMet } from './preconditions.ts';
import { runLogPath, stepLogPaths } from './run-logs.ts';

export type RunActor = Actor<typeof runMachine>;

export interface RunActorDeps {
  executor: StepExecutor;
  clock: Clock;
  /** The environment every step inherits (process.env by default). */
  baseEnv: Record<string, string>;
}

function shellOf(shell: string | undefined): string[] {
  if (!shell || shell.trim() === '') return ['/bin/sh'];
  return shell.trim().split(/\s+/);
}

/** The environment of one step: inherited, then DAG vars, then the step's own env, then run facts. */
function stepEnv(deps: RunActorDeps, spec: StepSpec, vars: Record<string, string>, run: StepInput['run'], stdout: string): Record<string, string> {
  const base = { ...deps.baseEnv, ...vars };
  const own = evalEnv(spec.env, base);
  return {
    ...base,
    ...own,
    DAG_NAME: run.dagName,
    DAG_RUN_ID: run.dagRunId,
    DAG_RUN_ATTEMPT: String(run.attempt),
    DAG_RUN_STEP_NAME: spec.name,
    DAG_RUN_LOG_FILE: runLogPath(run.logDir),
    DAG_RUN_STEP_STDOUT_FILE: stdout,
  };
}

function cwdOf(spec: StepSpec, run: StepInput['run'], vars: Record<string, string>): string | undefined {
  const dir = spec.workingDir ?? run.workingDir;
  return dir === undefined ? undefined : interpolate(dir, vars);
}

/**
 * The run machine with its side effects provided: each step launches a process through the
 * executor port, and preconditions run through the same port. Everything else the machines
 * decide themselves.
 */
export function provideRunMachine(deps: RunActorDeps) {
  const executeStep = fromCallback<StepEvent, ExecuteStepInput>(({ input, sendBack, receive }) => {
    const { spec, vars, run } = input;
    const paths = stepLogPaths(run.logDir, spec.name);
    let ended = false;
    let proc: ReturnType<StepExecutor['launch']> | undefined;
    try {
      proc = deps.executor.launch({
        dagName: run.dagName,
        dagRunId: run.dagRunId,
        attempt: run.attempt,
        stepName: spec.name,
        command: spec.run,
        shell: shellOf(run.shell),
        env: stepEnv(deps, spec, vars, run, paths.stdout),
        ...(cwdOf(spec, run, vars) !== undefined ? { cwd: cwdOf(spec, run, vars)! } : {}),
        stdoutPath: paths.stdout,
        stderrPath: paths.stderr,
        captureOutput: spec.output !== undefined,
      });
    } catch (error) {
      // Reported asynchronously: the invoking state must be fully entered first.
      queueMicrotask(() => sendBack({ type: 'step.exited', exitCode: null, error: (error as Error).message, now: deps.clock.now() }));
      return () => {};
    }
    const launched = proc;
    // Interim job id for the process-shaped executor: `pid:<pid>:<start ticks>` (recovery reaps it).
    const jobId = `pid:${launched.pid}:${launched.pidStart ?? ''}`;
    queueMicrotask(() => sendBack({ type: 'step.spawned', job: { jobId, where: 'local' }, now: deps.clock.now() }));
    launched.exited.then((exit) => {
      ended = true;
      sendBack({
        type: 'step.exited',
        exitCode: exit.exitCode,
        signal: exit.signal,
        ...(exit.output !== undefined ? { output: exit.output } : {}),
        ...(exit.error !== undefined ? { error: exit.error } : {}),
        now: deps.clock.now(),
      });
    });
    receive((event) => {
      if (event.type === 'step.kill') launched.kill(event.signal);
    });
    // Leaving the state without the process having exited means the actor is being stopped
    // (runtime shutdown): do not leave the process group behind.
    return () => {
      if (!ended) launched.kill('SIGKILL');
    };
  });

  const checkPreconditions = fromPromise<{ ok: boolean; now: number }, PreconditionCheckInput>(
    async ({ input }) => {
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
    },
  );

  const step = stepMachine.provide({ actors: { executeStep, checkPreconditions } });
  return runMachine.provide({ actors: { step, checkPreconditions } });
}

export type ProvidedRunMachine = ReturnType<typeof provideRunMachine>;

/** Creates (without starting) a run actor, fresh from input or restored from a persisted snapshot. */
export function createRunActor(
  machine: ProvidedRunMachine,
  options: { id: string; input: RunInput; snapshot?: unknown; inspect: (event: InspectionEvent) => void },
): RunActor {
  return createActor(machine, {
    id: options.id,
    input: options.input,
    inspect: options.inspect,
    ...(options.snapshot !== undefined ? { snapshot: options.snapshot as never } : {}),
  }) as unknown as RunActor;
}
