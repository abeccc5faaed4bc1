import type { DagSpec, StepSpec } from '../dag/types.ts';
import { isDoneStepStatus } from '../dag/status.ts';
import type { RunContext, RunStepState } from './run.machine.ts';

// The run machine's scheduling state, kept incrementally: which steps wait on how many
// dependencies, which are ready to spawn, how many are active and how many are unresolved.
// Pure functions over the machine's context; the machine calls them from its actions.

/** A dependency lets its dependents run: it succeeded, continued past a failure, or was skipped with continue_on.skipped. */
function satisfies(spec: StepSpec, state: RunStepState): boolean {
  if (state.status === 'succeeded' || state.status === 'partially_succeeded') return true;
  if (state.status === 'failed') return state.continued === true;
  if (state.status === 'skipped') return spec.continueOn.skipped;
  return false;
}

const specIndex = new WeakMap<DagSpec, Map<string, StepSpec>>();
/** Steps by name, computed once per spec (the spec never changes during a run). */
export function specsByName(spec: DagSpec): Map<string, StepSpec> {
  let index = specIndex.get(spec);
  if (!index) {
    index = new Map(spec.steps.map((s) => [s.name, s]));
    specIndex.set(spec, index);
  }
  return index;
}

const dependentsIndex = new WeakMap<DagSpec, Map<string, string[]>>();
/** Direct dependents of every step, computed once per spec. */
function dependentsOf(spec: DagSpec): Map<string, string[]> {
  let index = dependentsIndex.get(spec);
  if (!index) {
    index = new Map(spec.steps.map((s) => [s.name, [] as string[]]));
    for (const s of spec.steps) for (const d of s.depends) index.get(d)?.push(s.name);
    dependentsIndex.set(spec, index);
  }
  return index;
}

/** The steps that may be spawned now: the head of the ready queue, up to max_active_steps. */
export function readySteps(ctx: RunContext): string[] {
  const max = ctx.spec.maxActiveSteps && ctx.spec.maxActiveSteps > 0 ? ctx.spec.maxActiveSteps : Infinity;
  return ctx.ready.slice(0, Math.max(0, max - ctx.active));
}

export type Sched = Pick<RunContext, 'waitingOn' | 'ready' | 'active' | 'unresolved'>;

/** Marks every not-yet-started step downstream of `name` unreachable (it can never run). */
function markUnreachable(spec: DagSpec, sched: Sched, name: string): void {
  const stack = [...(dependentsOf(spec).get(name) ?? [])];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (!(d in sched.waitingOn)) continue; // already ready, started, done or unreachable
    delete sched.waitingOn[d];
    sched.unresolved--;
    stack.push(...(dependentsOf(spec).get(d) ?? []));
  }
}

/** A main step is done: free its slot, then release or cut off its dependents. */
export function settleStep(spec: DagSpec, sched: Sched, name: string, state: RunStepState, wasStarted: boolean): void {
  if (wasStarted) sched.active--;
  sched.unresolved--;
  const stepSpec = specsByName(spec).get(name)!;
  if (!satisfies(stepSpec, state)) return markUnreachable(spec, sched, name);
  for (const d of dependentsOf(spec).get(name) ?? []) {
    if (!(d in sched.waitingOn)) continue;
    const left = sched.waitingOn[d]! - 1;
    if (left > 0) sched.waitingOn[d] = left;
    else {
      delete sched.waitingOn[d];
      sched.ready.push(d);
    }
  }
}

/** Initial scheduling state, honouring steps carried over from an earlier attempt. */
export function initialSchedule(spec: DagSpec, steps: Record<string, RunStepState>): Sched {
  const sched: Sched = { waitingOn: {}, ready: [], active: 0, unresolved: 0 };
  for (const s of spec.steps) {
    if (isDoneStepStatus(steps[s.name]!.status)) continue;
    sched.unresolved++;
    sched.waitingOn[s.name] = s.depends.length;
  }
  // Done (preset) steps release or cut off their dependents, as if they had just finished.
  for (const s of spec.steps) {
    const st = steps[s.name]!;
    if (!isDoneStepStatus(st.status)) continue;
    sched.unresolved++; // settleStep counts it down again
    settleStep(spec, sched, s.name, st, false);
  }
  for (const s of spec.steps) {
    if (sched.waitingOn[s.name] === 0) {
      delete sched.waitingOn[s.name];
      sched.ready.push(s.name);
    }
  }
  return sched;
}

export function mainStepsSettled(ctx: RunContext): boolean {
  // After a stop, steps that never started stay not_started; only running ones must end.
  if (ctx.stopRequested) return ctx.active === 0;
  return ctx.unresolved === 0 && ctx.active === 0;
}

export function anyStepActive(ctx: RunContext): boolean {
  if (ctx.active > 0) return true;
  for (const s of Object.values(ctx.steps)) if (s.handler && !isDoneStepStatus(s.status)) return true;
  return false;
}
