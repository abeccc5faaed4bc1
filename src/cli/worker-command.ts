import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { TroupeError, createLogger } from '../core/index.ts';
import type { TroupeConfig } from '../config.ts';
import type { CliIo } from './io.ts';
import { readServerFile } from './server-file.ts';
import { configuredRedisUrl } from '../workers/open-executor.ts';

/** `troupe worker`'s options, as commander parses them (program.ts declares them). */
export interface WorkerFlags {
  redis?: string;
  prefix?: string;
  id?: string;
  labels?: string;
  concurrency?: string;
  workDir?: string;
  graceSec?: string;
  heartbeatMs?: string;
  ttlMs?: string;
}

/** `troupe workers`' options. */
export interface WorkersFlags {
  redis?: string;
  prefix?: string;
  json?: boolean;
}

function intFlag(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new TroupeError('INVALID_INPUT', `--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

/** The Redis URL: `--redis`, else `TROUPE_REDIS_URL`, else the config file's `executor.redis_url`. */
function redisUrlOf(flag: string | undefined, config: TroupeConfig): string {
  const url = flag ?? configuredRedisUrl(config);
  if (!url) throw new TroupeError('INVALID_INPUT', '--redis URL is required (or TROUPE_REDIS_URL, or executor.redis_url in the config file)');
  return url;
}

/**
 * `troupe worker --redis URL [--id ID] [--labels k=v,k2=v2] [--concurrency N] [--work-dir DIR]`:
 * takes step jobs from Redis and runs them as local processes until SIGTERM or SIGINT, then
 * stops gracefully (running steps get `--grace-sec`, default 30, to finish).
 */
export async function workerCommand(values: WorkerFlags, config: TroupeConfig, io: CliIo): Promise<number> {
  const { checkRedisUrl, pingRedis, redactRedisUrl } = await import('../workers/redis.ts');
  const { parseLabelList } = await import('../workers/worker-registry.ts');
  const { startWorker } = await import('../workers/worker-process.ts');
  const { createWorkerExecutor } = await import('../workers/worker-executor.ts');
  const redisUrl = checkRedisUrl(redisUrlOf(values.redis, config), '--redis');
  let labels: Record<string, string>;
  try {
    labels = parseLabelList(values.labels ?? '');
  } catch (error) {
    throw new TroupeError('INVALID_INPUT', `--labels: ${(error as Error).message}`);
  }
  const concurrency = intFlag(values.concurrency, 'concurrency', 4, 1);
  const graceMs = intFlag(values.graceSec, 'grace-sec', 30, 0) * 1000;
  const workDir = resolve(values.workDir ?? resolve(config.dataDir, 'worker'));
  mkdirSync(workDir, { recursive: true });
  await pingRedis(redisUrl);
  const logger = createLogger();
  const id = values.id ?? `${hostname()}-${process.pid}`;
  const worker = await startWorker({
    redisUrl,
    prefix: values.prefix ?? config.executor.prefix,
    id,
    labels,
    concurrency,
    workDir,
    executor: createWorkerExecutor(id, logger),
    logger,
    heartbeatMs: intFlag(values.heartbeatMs, 'heartbeat-ms', 1000, 50),
    ttlMs: intFlag(values.ttlMs, 'ttl-ms', 10_000, 200),
  });
  const labelText = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') || '(none)';
  io.out(`troupe worker ${worker.id} on ${redactRedisUrl(redisUrl)}  (labels ${labelText}, concurrency ${concurrency}, work dir ${workDir})`);
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      io.err(`${signal}: stopping: no new steps; running ones get ${graceMs / 1000} s to finish`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      done();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await worker.close(graceMs);
  return 0;
}

/**
 * `troupe workers [--redis URL] [--json]`: the live workers, with labels, running jobs and last
 * heartbeat. Asks the running server (`GET /api/v1/workers`) unless `--redis` is given.
 */
export async function workersCommand(values: WorkersFlags, config: TroupeConfig, io: CliIo): Promise<number> {
  let workers: Array<{ id: string; host: string; labels: Record<string, string>; concurrency: number; running: string[]; draining: boolean; lastHeartbeatAt: string }>;
  const server = values.redis === undefined ? readServerFile(config.dataDir) : undefined;
  if (server) {
    const res = await fetch(`${server.url}/api/v1/workers`, { headers: { authorization: `Bearer ${server.token}` } }).catch((cause: Error) => {
      throw new TroupeError('EXECUTOR_UNAVAILABLE', `cannot reach the Troupe server at ${server.url}: ${cause.message}`);
    });
    const body = (await res.json()) as { workers?: typeof workers; message?: string };
    if (!res.ok) throw new TroupeError('EXECUTOR_UNAVAILABLE', body.message ?? `${res.status}`);
    workers = body.workers ?? [];
  } else {
    const { checkRedisUrl, connectRedis } = await import('../workers/redis.ts');
    const { listWorkers } = await import('../workers/worker-registry.ts');
    const { pingRedis } = await import('../workers/redis.ts');
    const url = checkRedisUrl(redisUrlOf(values.redis, config), '--redis');
    await pingRedis(url);
    const redis = connectRedis(url);
    await redis.connect();
    try {
      const prefix = values.prefix ?? config.executor.prefix;
      workers = (await listWorkers(redis, prefix)).map((w) => ({ ...w, lastHeartbeatAt: new Date(w.lastHeartbeatAt).toISOString() }));
    } finally {
      redis.disconnect();
    }
  }
  if (values.json) {
    io.out(JSON.stringify({ workers }, null, 2));
    return 0;
  }
  if (workers.length === 0) io.out('no live workers');
  for (const w of workers) {
    const labels = Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-';
    io.out(`${w.id}  host=${w.host}  labels=${labels}  running=${w.running.length}/${w.concurrency}${w.draining ? '  draining' : ''}  heartbeat=${w.lastHeartbeatAt}`);
  }
  return 0;
}
