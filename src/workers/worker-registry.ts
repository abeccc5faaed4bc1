import type { Redis } from 'ioredis';
import { keys } from './keys.ts';

/** What a worker says about itself, refreshed on every heartbeat. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  labels: Record<string, string>;
  concurrency: number;
  /** Job ids running now. */
  running: string[];
  /** Set from SIGTERM on: takes no new runs. */
  draining: boolean;
  startedAt: number;
  lastHeartbeatAt: number;
  version: string;
}

/**
 * Writes the worker's registration with a TTL of `ttlMs`: a worker that stops heartbeating
 * (SIGKILL, lost network) disappears from the registry after at most `ttlMs`. Returns false
 * when the registration had already expired, i.e. the server may have declared this worker
 * lost and handed its jobs on.
 */
export async function heartbeat(redis: Redis, prefix: string, info: WorkerInfo, ttlMs: number, first = false): Promise<boolean> {
  const k = keys(prefix);
  const res = await redis
    .multi()
    .get(k.workerInfo(info.id))
    .set(k.workerInfo(info.id), JSON.stringify(info), 'PX', ttlMs)
    .zadd(k.workers, info.lastHeartbeatAt, info.id)
    .exec();
  const previous = res?.[0]?.[1];
  return first || previous !== null;
}

/** Removes the registration at once (graceful exit). */
export async function deregister(redis: Redis, prefix: string, id: string): Promise<void> {
  const k = keys(prefix);
  await redis.multi().del(k.workerInfo(id)).zrem(k.workers, id).exec();
}

/** Live workers (registration not expired), sorted by id. Expired ids are pruned. */
export async function listWorkers(redis: Redis, prefix: string): Promise<WorkerInfo[]> {
  const k = keys(prefix);
  const ids = await redis.zrange(k.workers, 0, -1);
  if (ids.length === 0) return [];
  const raw = await redis.mget(...ids.map((id) => k.workerInfo(id)));
  const live: WorkerInfo[] = [];
  const gone: string[] = [];
  raw.forEach((text, i) => {
    if (text === null) {
      gone.push(ids[i]!);
      return;
    }
    try {
      live.push(JSON.parse(text) as WorkerInfo);
    } catch {
      gone.push(ids[i]!);
    }
  });
  if (gone.length > 0) await redis.zrem(k.workers, ...gone);
  return live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Dagu's `worker_selector`: every selector label must be present with the same value. */
export function matchesSelector(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Parses `k=v,k2=v2` (the `--labels` flag). Throws on a malformed pair. */
export function parseLabelList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`label "${part}" must be key=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
