import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { TroupeError } from '../core/index.ts';

/**
 * `redis_url` may carry a user and password (`redis://user:secret@host:6379/0`, `rediss://` for
 * TLS). This is the only form of it that may reach a log line, an error or a response.
 */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid redis url>';
  }
}

/** Throws `INVALID_INPUT` unless `url` is a `redis://` or `rediss://` URL. */
export function checkRedisUrl(url: string, key = 'redis_url'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TroupeError('INVALID_INPUT', `${key} is not a URL (expected redis://[user:password@]host:port[/db])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new TroupeError('INVALID_INPUT', `${key} must start with redis:// or rediss://`);
  return url;
}

export interface RedisConnectOptions {
  /** A name shown by `CLIENT LIST`, e.g. `troupe-worker:w1`. */
  name?: string;
  /** Fail commands while disconnected instead of queueing them. @defaultValue false (queue) */
  failFast?: boolean;
}

/**
 * One ioredis connection. `maxRetriesPerRequest: null` is what BullMQ requires for blocking
 * connections; reconnects back off up to 2 s, forever, so a Redis restart is survived.
 */
export function connectRedis(url: string, options: RedisConnectOptions = {}): Redis {
  const base: RedisOptions = {
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    lazyConnect: true,
    ...(options.name ? { connectionName: options.name } : {}),
  };
  const redis = new Redis(url, base);
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash. The
  // owner decides what to log (never the URL with its password).
  redis.on('error', () => {});
  return redis;
}

/**
 * Connects and pings within `timeoutMs`, or throws `EXECUTOR_UNAVAILABLE` naming the redacted
 * URL: the server refuses to start on a Redis it cannot reach.
 */
export async function pingRedis(url: string, timeoutMs = 5000): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: timeoutMs });
  let lastError: Error | undefined;
  redis.on('error', (e: Error) => (lastError = e));
  try {
    await Promise.race([
      (async () => {
        await redis.connect();
        await redis.ping();
      })(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  } catch (cause) {
    const reason = (lastError ?? (cause as Error)).message.replaceAll(url, redactRedisUrl(url));
    throw new TroupeError('EXECUTOR_UNAVAILABLE', `cannot reach Redis at ${redactRedisUrl(url)}: ${reason}`);
  } finally {
    redis.disconnect();
  }
}
