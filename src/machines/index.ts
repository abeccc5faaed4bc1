// Machines are pure definitions: setup().createMachine() with named side effects that the
// actors layer provides. Nothing here starts an actor or touches I/O.

// Runs
export { runMachine, runStatusOf, decideOutcome, HANDLER_STEP_NAMES } from './run.machine.ts';
export { readySteps } from './run-schedule.ts';
export { stepFacts } from './run.machine.ts';
export type { RunInput, RunContext, RunEvent, RunFact, RunStepState, SkippedHandler } from './run.machine.ts';
// Steps
export { stepMachine, retryDelayMs } from './step.machine.ts';
// The scheduler
export { schedulerMachine, evaluateWindow } from './scheduler.machine.ts';
export type { ScheduledDag, SchedulerContext, SchedulerEvent, SchedulerFact, SchedulerInput } from './scheduler.machine.ts';
export type { StepInput, StepContext, StepEvent, StepState, StepUpdate, StepJobRef, ExecuteStepInput, PreconditionCheckInput } from './step.machine.ts';
