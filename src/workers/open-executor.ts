import type { TroupeConfig } from '../config.ts';
import { TroupeError } from '../core/index.ts';
import type { Logger } from '../core/index.ts';
import type { BullmqExecutor } from '../actors/executors/bullmq-executor.ts';

/** `TROUPE_REDIS_URL`, else the config file's `executor.redis_url`. */
export function configuredRedisUrl(config: TroupeConfig, env = process.env): string | undefined {
  const url = env.TROUPE_REDIS_URL || config.executor.redisUrl;
  return url === '' ? undefined : url;
}

/**
 * The executor the config asks for beyond the local default: `executor.type: bullmq` connects
 * to Redis (throwing `EXECUTOR_UNAVAILABLE`, with the URL's password redacted, when it cannot
 * be reached, so the server refuses to start). `undefined` for the local executor.
 */
export async function openConfiguredExecutor(config: TroupeConfig, logger: Logger): Promise<BullmqExecutor | undefined> {
  const c = config.executor;
  if (c.type !== 'bullmq') return undefined;
  const url = configuredRedisUrl(config);
  if (!url) throw new TroupeError('INVALID_INPUT', 'config: executor.redis_url is required with executor.type bullmq (or set TROUPE_REDIS_URL)');
  // Loaded only here: BullMQ and ioredis took ~190 ms and their memory at every start of a
  // server that runs its steps locally, the default.
  const [{ createBullmqExecutor }, { checkRedisUrl }] = await Promise.all([import('../actors/executors/bullmq-executor.ts'), import('./redis.ts')]);
  return createBullmqExecutor({ redisUrl: checkRedisUrl(url, 'executor.redis_url'), prefix: c.prefix, lostAfterMs: c.workerLostAfterSec * 1000, logger });
}
