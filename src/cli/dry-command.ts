import { nextRunOf, scheduleNote } from './schedule-note.ts';
import { TroupeError } from '../core/errors.ts';
import type { DagSpec, StepSpec } from '../dag/index.ts';
import { buildPlan, formatProblem, interpolate, loadDag, paramsJson, parseParamsOverride, resolveEnvEntries, resolveRunParams, resolveValue } from '../dag/index.ts';
import type { Reference } from '../dag/index.ts';
import { rootLookup } from '../dag/run-scope.ts';
import { createDagDirStore } from '../store/dag-dir.ts';
import { dagRef, warnUnknownParams } from './dag-target.ts';
import { EXIT_OK } from './exit-codes.ts';
import type { CliIo } from './io.ts';

export interface DryFlags {
  params?: string;
  json?: boolean;
}

interface PlannedStep {
  name: string;
  depends: string[];
  /** The command with params and DAG env filled in; step outputs and run ids stay as ${NAME}. */
  command: string;
  output?: string;
  workingDir?: string;
  retries?: number;
  preconditions: number;
}

type Lookup = (ref: Reference) => string | undefined;

/** A field as the run would resolve it: `${consts|params|env.x}` references, then `${NAME}` from params and env. */
function preview(text: string, vars: Record<string, string>, lookup: Lookup): string {
  return interpolate(resolveValue(text, { lookup }), vars);
}

function planned(step: StepSpec, vars: Record<string, string>, lookup: Lookup): PlannedStep {
  const stepVars = { ...vars, ...resolveEnvEntries(step.env, vars, { lookup: (ref) => lookup(ref) }) };
  const p: PlannedStep = { name: step.name, depends: step.depends, command: preview(step.run, stepVars, lookup), preconditions: step.preconditions.length };
  if (step.output) p.output = step.output;
  if (step.workingDir) p.workingDir = preview(step.workingDir, vars, lookup);
  if (step.retryPolicy) p.retries = step.retryPolicy.limit;
  return p;
}

/**
 * `troupe dry <name|file> [--params P]` (Dagu's `dagu dry`): validates the DAG, resolves its
 * params and env, and prints the steps in the order they would run with their commands. Runs
 * nothing and opens no store: it works while a server runs, and without one.
 */
export async function dryCommand(target: string, dagsDir: string, io: CliIo, f: DryFlags): Promise<number> {
  const ref = dagRef(target);
  const yaml = 'spec' in ref ? ref.spec : await createDagDirStore(dagsDir).read(ref.name);
  if (yaml === undefined) throw new TroupeError('DAG_NOT_FOUND', `DAG ${ref.name} not found in ${dagsDir}`, { details: { hint: 'pass a .yaml file, or --dags DIR' } });
  const result = loadDag(yaml, { defaultName: ref.name });
  if (!result.spec || result.problems.length > 0) {
    throw new TroupeError('INVALID_SPEC', result.problems.map((p) => `${target}: ${formatProblem(p)}`).join('\n'), { details: { problems: result.problems } });
  }
  const spec: DagSpec = result.spec;
  await warnUnknownParams(spec, f.params, io);
  // The same rules as a run start: unknown names, types, enums and required values fail here too.
  // Dry runs nothing, so an `eval:` param shows its unevaluated text.
  const params = await resolveRunParams(spec.params, f.params === undefined ? {} : parseParamsOverride(f.params), async (text) => `<eval: ${text}>`);
  // Run context (`${context.*}`), step outputs and run ids are unknown before a run: they stay as written.
  const facts = { dagName: spec.name, dagRunId: '', attempt: 1, logFile: '', workDir: '' };
  const root = rootLookup(spec, params, paramsJson(params), facts);
  let scope: Record<string, string> = { ...params };
  const lookup: Lookup = (ref) => (ref.ns === 'context' ? undefined : root(ref, scope));
  const env = resolveEnvEntries(spec.env, params, { lookup: (ref, e) => (ref.ns === 'context' ? undefined : root(ref, e)) });
  scope = { ...params, ...env };
  const vars = { ...params, ...env, DAG_NAME: spec.name };
  const order = buildPlan(spec).order;
  const byName = new Map(spec.steps.map((s) => [s.name, s]));
  const steps = order.map((n) => planned(byName.get(n)!, vars, lookup));
  const handlers = Object.entries(spec.handlerOn).map(([kind, s]) => ({ on: kind, ...planned(s!, vars, lookup) }));
  if (f.json) {
    io.out(JSON.stringify({ name: spec.name, params, env, steps, handlers, ...(spec.schedule.length > 0 ? { schedule: spec.schedule, nextRun: nextRunOf(spec) } : {}) }, null, 2));
    return EXIT_OK;
  }
  io.out(`dry run of ${spec.name}: nothing is run`);
  const keys = Object.keys(params);
  io.out(`  params: ${keys.length === 0 ? '(none)' : keys.map((k) => `${k}=${params[k]}`).join(' ')}`);
  if (Object.keys(env).length > 0) io.out(`  env:    ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (spec.maxActiveSteps !== undefined) io.out(`  at most ${spec.maxActiveSteps} steps at a time`);
  io.out('  steps, in order:');
  const indent = (text: string) => text.replace(/\n$/, '').split('\n').join('\n         ');
  steps.forEach((s, i) => {
    const extras = [s.depends.length > 0 ? `after ${s.depends.join(', ')}` : '', s.output ? `output -> ${s.output}` : '', s.retries ? `retries ${s.retries}` : '', s.preconditions ? `${s.preconditions} precondition(s)` : '', s.workingDir ? `in ${s.workingDir}` : ''].filter(Boolean);
    io.out(`  ${String(i + 1).padStart(3)}. ${s.name}${extras.length > 0 ? `  (${extras.join('; ')})` : ''}`);
    io.out(`       $ ${indent(s.command)}`);
  });
  for (const h of handlers) {
    io.out(`  on ${h.on}: ${h.name}`);
    io.out(`       $ ${indent(h.command)}`);
  }
  if (spec.schedule.length > 0) io.err(scheduleNote(spec));
  return EXIT_OK;
}
