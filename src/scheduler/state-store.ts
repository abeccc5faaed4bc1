/**
 * Where the scheduler keeps how far it has evaluated time, so that the next process life
 * knows which fire times passed while it was down (they are skipped and logged, not burst).
 */
export interface SchedulerStateStore {
  /** Epoch ms evaluated to by the previous life, or undefined on a first start. */
  loadEvaluatedTo(): Promise<number | undefined>;
  saveEvaluatedTo(ms: number): Promise<void>;
}

/** In memory (tests, and a process that must not persist). */
export function createMemorySchedulerStateStore(initial?: number): SchedulerStateStore {
  let value = initial;
  return {
    loadEvaluatedTo: async () => value,
    saveEvaluatedTo: async (ms) => {
      value = ms;
    },
  };
}
