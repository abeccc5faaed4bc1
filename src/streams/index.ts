// Generic RxJS operators and sources; no domain knowledge.

// Batching
export { batch } from './batch.ts';
export type { BatchOptions } from './batch.ts';
