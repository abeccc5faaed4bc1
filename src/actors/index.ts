// The living runtime: run actors, the step executor, queues, recovery, events$.

// Runtime
export { createRuntime } from './runtime.ts';
export type { RuntimeOptions } from './runtime.ts';
// Ports (implemented in src/store and src/actors/executors)
export type { DagStore, RunStore, StepExecutor, StepLaunch, StepProcess, StepExit } from './ports.ts';
// Executors
export { createLegacyLocalProcessExecutor, groupAlive, processStartTime } from './executors/legacy-local-process.ts';
// Types
export type * from './types.ts';
