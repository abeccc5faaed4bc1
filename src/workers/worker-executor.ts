import { join } from 'node:path';
import type { StepExecutor } from '../actors/executors/port.ts';
import { createInterimLocalRunner } from './interim-local-runner.ts';

/**
 * The executor a worker runs its steps with: the local process executor, the same process
 * handling as the server's local executor.
 */
export function createWorkerExecutor(workDir: string): StepExecutor {
  return createInterimLocalRunner(join(workDir, 'logs'));
}
