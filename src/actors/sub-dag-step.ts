import { createHash } from 'node:crypto';
import type { Clock } from '../core/index.ts';
import { planSubDagCall } from '../dag/index.ts';
import type { PlannedChild, RunScope, SubDagCallPlan } from '../dag/index.ts';
import type { RunStatus } from '../dag/status.ts';
import type { DagSpec } from '../dag/types.ts';
import type { ExecuteStepInput, StepEvent } from '../machines/index.ts';
import type { ChildRunRequest } from './run-commands.ts';
import { createChildFanOut } from './child-fan-out.ts';
import type { Exited } from './child-fan-out.ts';
import { stepLogPaths } from './run-logs.ts';
import { stepOutputPath } from './step-files.ts';
import type { RunRecord, RunRef } from './types.ts';

/** What a finished child run gives its parent step. */
export interface ChildResult {
  status: RunStatus;
  params: Record<string, string>;
  /** The child's run outputs (§11.3): `output:` variables (camelCase keys) and declared outputs, last writer wins. */
  outputs: Record<string, string>;
  /** Each succeeded step's own outputs, by step name (a foreach step's `collect` reads them). */
  steps?: Record<string, Record<string, string>>;
  error?: string;
}

/**
 * What a sub-DAG step needs from the runtime: start (or retry, or reattach to) a child run,
 * learn when it ended, stop it. Child runs are ordinary run actors; their events flow on the
 * same bus as every run's.
 */
export interface SubDagPort {
  /** Watch a child before starting it, so an end that comes at once is not missed. */
  watch(ref: RunRef): { ended(attempt: number): Promise<ChildResult>; close(): void };
  start(req: ChildRunRequest): Promise<RunRef & { attempt: number; attached: boolean }>;
  stop(ref: RunRef): void;
}


/** Dagu's camelCase key for an `output:` variable (`RESULT_VALUE` → `resultValue`). */
export function outputKey(name: string): string {
  if (!/^[A-Z0-9_]+$/.test(name)) return name;
  const parts = name.toLowerCase().split('_').filter(Boolean);
  return parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('');
}

/** A child run's outputs from its record (steps in order, then handlers; last writer wins). */
export function runOutputs(record: RunRecord, spec: DagSpec | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const byName = new Map([...(spec?.steps ?? []), ...Object.values(spec?.handlerOn ?? {})].map((s) => [s.name, s]));
  for (const s of record.steps) {
    if (!s.outputs || (s.status !== 'succeeded' && s.status !== 'partially_succeeded')) continue;
    const outputVar = byName.get(s.name)?.output;
    for (const [k, v] of Object.entries(s.outputs)) out[k === outputVar ? outputKey(k) : k] = v;
  }
  return out;
}

/** The child's run id: the same for the same parent run, step, repeat, target and params, so a retried parent finds its child. */
export function childRunId(parent: { name: string; dagRunId: string; step: string }, child: PlannedChild, repeat = 0): string {
  const params = typeof child.params === 'string' ? child.params : JSON.stringify(Object.keys(child.params).sort().map((k) => [k, (child.params as Record<string, string>)[k]]));
  const h = createHash('sha256').update([parent.name, parent.dagRunId, parent.step, String(repeat), child.dag, params].join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const paramText = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `${k}=${/[\s"']/.test(v) || v === '' ? JSON.stringify(v) : v}`).join(' ');

/** What a step that runs child runs (sub-DAG, parallel, foreach) is given by its run actor. */
export interface ChildStepArgs {
  input: ExecuteStepInput;
  scope: RunScope;
  port: SubDagPort;
  clock: Clock;
  sendBack: (event: StepEvent) => void;
  receive: (listener: (event: StepEvent) => void) => void;
}

/**
 * Runs one try of a sub-DAG step (§13, §14.2) inside the step's `executeStep` actor: resolves
 * the call with the step's scope, starts the child runs (at most `max_concurrent` at once),
 * waits for their ends, and reports the try like a process would (`step.exited`), with the
 * step's stdout holding Dagu's JSON result (or the parallel aggregate). `step.kill` stops the
 * pending launches and the active children. Returns the actor's cleanup.
 */
export function runSubDagStep(args: ChildStepArgs): () => void {
  const { input, scope, port, clock, sendBack, receive } = args;
  const { spec, run } = input;
  const paths = stepLogPaths(run.logDir, spec.name);
  const parent = { name: run.dagName, dagRunId: run.dagRunId, step: spec.name };
  const fan = createChildFanOut({ scope, port, clock, stdoutPath: paths.stdout, sendBack, receive });
  const { exited, writeStdout } = fan;

  let plan: SubDagCallPlan;
  try {
    plan = planSubDagCall({
      scope,
      step: spec,
      ...(input.handler ? { handler: true, runStatus: input.handler.runStatus } : {}),
      published: input.published ?? {},
      paths: { stdout: paths.stdout, stderr: paths.stderr, outputFile: stepOutputPath(run.logDir, spec.name, input.retryCount), scriptDir: run.logDir },
    });
  } catch (error) {
    exited({ exitCode: null, error: (error as Error).message });
    return () => {};
  }

  interface Outcome {
    child: PlannedChild;
    ref?: RunRef;
    result?: ChildResult;
    error?: string;
  }

  /** Starts one child and waits for its end (or, for dag.enqueue, only for the acceptance). */
  async function one(child: PlannedChild): Promise<Outcome> {
    if (fan.stopped) return { child, error: 'not started: the step was stopped' };
    const req: ChildRunRequest = { parent, dag: child.dag, params: child.params, dagRunId: childRunId(parent, child, input.repeatCount ?? 0), mode: plan.mode };
    if (plan.queue !== undefined) req.queue = plan.queue;
    try {
      const { ref, result } = await fan.runChild(req, plan.mode !== 'enqueue');
      return result ? { child, ref, result } : { child, ref };
    } catch (error) {
      return { child, error: (error as Error).message };
    }
  }

  void (async () => {
    const outcomes = await fan.pool(plan.children, plan.maxConcurrent, one);
    if (fan.stopped) return exited({ exitCode: null, signal: 'SIGTERM', error: 'stopped' });
    try {
      exited(plan.mode === 'enqueue' ? enqueued(outcomes) : plan.children.length === 1 && !spec.parallel ? single(outcomes[0]!) : aggregate(outcomes));
    } catch (error) {
      exited({ exitCode: null, error: `cannot record the sub-DAG result: ${(error as Error).message}` });
    }
  })();

  function resultJson(o: Outcome): Record<string, unknown> {
    return { name: o.ref?.name ?? o.child.dag, dagRunId: o.ref?.dagRunId ?? null, params: paramText(o.result?.params ?? {}), outputs: o.result?.outputs ?? {}, status: o.result?.status ?? 'failed', ...(o.error ?? o.result?.error ? { error: o.error ?? o.result?.error } : {}) };
  }

  function single(o: Outcome): Exited {
    const json = JSON.stringify(resultJson(o));
    writeStdout(json);
    const status = o.result?.status;
    const output = spec.output !== undefined ? json : undefined;
    if (status === 'succeeded' || status === 'partially_succeeded') {
      return { exitCode: 0, outputs: o.result!.outputs, ...(output !== undefined ? { output } : {}), ...(status === 'partially_succeeded' ? { partial: true } : {}) };
    }
    const why = o.error ?? `sub-DAG run ${o.ref?.name}/${o.ref?.dagRunId} ${status ?? 'failed'}${o.result?.error ? `: ${o.result.error}` : ''}`;
    // A child that ran and failed is a failure retry_policy retries (a new attempt of the same
    // child); a child that could not start is an error.
    return o.error ? { exitCode: null, error: why } : { exitCode: 1, failure: why };
  }

  function aggregate(outcomes: Outcome[]): Exited {
    const ok = (o: Outcome) => o.result?.status === 'succeeded' || o.result?.status === 'partially_succeeded';
    const succeeded = outcomes.filter(ok).length;
    const failed = outcomes.length - succeeded;
    const json = JSON.stringify({ summary: { total: outcomes.length, succeeded, failed }, results: outcomes.map(resultJson), outputs: outcomes.filter(ok).map((o) => o.result!.outputs) });
    writeStdout(json);
    const output = spec.output !== undefined ? { output: json } : {};
    if (failed > 0) return { exitCode: 1, failure: `${failed} of ${outcomes.length} sub-DAG runs did not succeed`, ...output };
    return { exitCode: 0, ...output, ...(outcomes.some((o) => o.result?.status === 'partially_succeeded') ? { partial: true } : {}) };
  }

  function enqueued(outcomes: Outcome[]): Exited {
    const runs = outcomes.map((o) => ({ name: o.ref?.name ?? o.child.dag, dagRunId: o.ref?.dagRunId ?? null, ...(plan.queue !== undefined ? { queue: plan.queue } : {}), status: o.ref ? 'queued' : 'failed', ...(o.error ? { error: o.error } : {}) }));
    const json = spec.parallel ? JSON.stringify({ summary: { total: runs.length, queued: runs.filter((r) => r.status === 'queued').length }, runs }) : JSON.stringify(runs[0]);
    writeStdout(json);
    const output = spec.output !== undefined ? { output: json } : {};
    const refused = outcomes.filter((o) => !o.ref);
    if (refused.length > 0) return { exitCode: 1, error: refused.length === 1 ? refused[0]!.error! : `${refused.length} of ${outcomes.length} sub-DAG runs could not be queued: ${refused[0]!.error}`, ...output };
    return { exitCode: 0, ...output };
  }

  // On actor stop (runtime shutdown) the children stop with the runtime.
  return fan.cleanup;
}
