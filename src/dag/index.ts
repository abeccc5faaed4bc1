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
export { parseParamsOverride, parseParamString } from './params.ts';
export { interpolate, evalEnv } from './interpolate.ts';
export { workspaceOf } from './workspace.ts';
// The DAG language at run time (pure): value resolution, run scope, step launch
export { scanField, referencesIn, formatNumber, scalarText } from './references.ts';
export type { Reference, EnvExpr, Part } from './references.ts';
export { resolveValue, resolveEnvEntries } from './resolve-value.ts';
export { bindShellText, pasteText, REF_VAR_PREFIX } from './bind-shell-text.ts';
export { buildRunScope } from './run-scope.ts';
export type { RunScope, RunScopeInput } from './run-scope.ts';
export { resolveRunParams, paramsJson } from './run-params.ts';
export type { ParamEvaluator } from './run-params.ts';
export { planStepLaunch, preparePreconditions, parseShebang, shellFamily, commandOf, shellQuoteWord } from './step-launch.ts';
export type { StepLaunchPlan, StepLaunchInput, LaunchCommand, PublishedStep, PreparedCondition } from './step-launch.ts';
export { parseOutputFile, DEFAULT_MAX_OUTPUT_SIZE } from './output-file.ts';
export { substituteCommands } from './dynamic-eval.ts';
export type { SubstitutionRunner } from './dynamic-eval.ts';
export { valueMatches, compileExpected } from './precondition-match.ts';
export { maskText, MASK } from './mask.ts';
export { inheritedEnv, contextValue, BUILTIN_ENV_NAMES } from './run-context.ts';
export { stepIdProblem } from './read-steps.ts';
export type { OutputDecl, SecretSpec, SpecNotice } from './types.ts';
export { validateDag, formatNotice } from './validate-dag.ts';
export type { DagValidation } from './validate-dag.ts';
// Composition: sub-DAG calls, parallel items, built-in actions
export { planSubDagCall, splitItems, MAX_PARALLEL_ITEMS } from './sub-dag-call.ts';
export type { PlannedChild, SubDagCallPlan } from './sub-dag-call.ts';
export { stepEnvironment, actionArgv } from './step-launch.ts';
export { SUPPORTED_ACTIONS } from './read-action.ts';
export type { SubDagCall, ParallelSpec, RepeatPolicy, StepAction } from './types.ts';
export { FOREACH_PARAM, foreachValue } from './foreach-scope.ts';
export type { ForeachItemScope } from './foreach-scope.ts';
