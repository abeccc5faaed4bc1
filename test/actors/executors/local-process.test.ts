import { systemClock } from '../../../src/core/clock.ts';
import { createMemoryLogger } from '../../../src/core/logger.ts';
import { createLocalProcessExecutor } from '../../../src/actors/executors/local-process.ts';
import { executorContract } from './contract.ts';

// The helper launcher with file sinks is production's path; the direct launcher with write()
// sinks covers the other two combinations' code.
executorContract('local (helper)', () => ({ executor: createLocalProcessExecutor({ logger: createMemoryLogger() }), clock: systemClock }), { files: true });
executorContract('local (direct)', () => ({ executor: createLocalProcessExecutor({ launcher: 'direct', logger: createMemoryLogger() }), clock: systemClock }));
