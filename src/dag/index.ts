// Types: the normalized spec and run/step statuses
export type { DagSpec, StepSpec, DagParam, RetryPolicy, ContinueOn, Precondition, HandlerKind, SpecProblem, LoadResult } from './types.ts';
export {
  RUN_STATUSES,
  STEP_STATUSES,
  runStatusCode,
  stepStatusCode,
  runStatusFromCode,
  isRunStatus,
  isTerminalRunStatus,
  isActiveRunStatus,
  isSuccessRunStatus,
  isDoneStepStatus,
} from './status.ts';
export type { RunStatus, StepStatus } from './status.ts';
// Loading and validation
export { loadDag } from './load-dag.ts';
export type { LoadDagOptions } from './load-dag.ts';
export { formatProblem } from './format-problem.ts';
export { cronProblem } from './read-schedule.ts';
export { stepNameProblem, STOP_SIGNALS } from './read-step.ts';
// Planning
export { buildPlan, descendants, findCycle } from './plan.ts';
export type { Plan } from './plan.ts';
// Parameters, variables, workspaces
export { parseParamsOverride, resolveParams, parseParamString } from './params.ts';
export { interpolate, evalEnv } from './interpolate.ts';
export { workspaceOf } from './workspace.ts';
