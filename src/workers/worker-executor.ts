import type { Logger } from '../core/index.ts';
import { createLocalProcessExecutor } from '../actors/executors/local-process.ts';
import type { StepExecutor } from '../actors/executors/port.ts';

/**
 * The executor a worker runs its steps with: the server's own local process executor (process
 * group, `TROUPE_JOB_ID` marker, log and output limits, kill on cancel), scoped to the worker
 * id, so that a restarted worker's `reconcile([])` ends whatever an earlier life left running.
 */
export function createWorkerExecutor(workerId: string, logger: Logger): StepExecutor {
  return createLocalProcessExecutor({ scope: `troupe-worker:${workerId}`, logger: logger.child({ component: 'local-executor' }) });
}
