// The executor port's contract suite, run against the BullMQ executor with one real
// `troupe worker` process on a real redis-server: the same assertions as the local and
// in-memory executors, through Redis.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../../src/core/clock.ts';
import { createMemoryLogger } from '../../../src/core/logger.ts';
import { createBullmqExecutor } from '../../../src/actors/executors/bullmq-executor.ts';
import { sharedRedis, uniquePrefix } from '../../_support/redis.ts';
import { spawnWorker } from '../../_support/workers.ts';
import { executorContract } from './contract.ts';

const redis = await sharedRedis();
const prefix = uniquePrefix('contract');
const worker = await spawnWorker({ redisUrl: redis.url, prefix, id: 'w-contract', concurrency: 16 });

executorContract('bullmq (one troupe worker over Redis)', async () => {
  const executor = await createBullmqExecutor({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), lostAfterMs: 5000 });
  return {
    executor,
    clock: systemClock,
  };
});

// uvu runs suites in the order of their run() calls: this one, after the contract, cleans up.
const teardown = suite('bullmq contract teardown');
teardown('the worker stops gracefully (exit 0), and Redis', async () => {
  assert.is(await worker.stop('SIGTERM'), 0, worker.output());
  await redis.stop();
});
teardown.run();
