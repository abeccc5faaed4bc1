// The living runtime: run actors, the event backbone (events$), step jobs through the executor
// port, queues, recovery.

// Runtime
export { createRuntime } from './runtime.ts';
export type { RuntimeOptions } from './runtime.ts';
// Ports (implemented in src/store and src/actors/executors)
export type { DagStore, RunStore, RunStoreBatchExtras } from './ports.ts';
export type { StepExecutor, StepJob, JobRef, JobHandle, JobEvent, JobFate, JobLimits, JobLogSink, JobWhere } from './executors/port.ts';
// Executors
export { createLocalProcessExecutor } from './executors/local-process.ts';
export type { LocalProcessExecutorOptions } from './executors/local-process.ts';
export { createInMemoryExecutor } from './executors/in-memory.ts';
export type { InMemoryExecutor, InMemoryExecutorOptions } from './executors/in-memory.ts';
// Types
export type * from './types.ts';
