import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTroupe } from '../../../src/app.ts';
import { main } from '../../../src/cli/main.ts';
import { parseConfig } from '../../../src/config.ts';
import { sharedRedis, uniquePrefix } from '../../_support/redis.ts';
import { spawnWorker } from '../../_support/workers.ts';

test('GET /api/v1/workers and troupe workers: live workers with labels, concurrency, running jobs, heartbeat; local executor: empty', async () => {
  const redis = await sharedRedis();
  const prefix = uniquePrefix('route');
  const dir = mkdtempSync(join(tmpdir(), 'troupe-workers-route-'));
  const worker = await spawnWorker({ redisUrl: redis.url, prefix, id: 'w-route', labels: { gpu: 'true' }, concurrency: 3 });
  const config = parseConfig({ port: 0, base_path: '/t', executor: { type: 'bullmq', redis_url: redis.url, prefix } }, { fileDir: dir, cwd: dir });
  const troupe = await createTroupe(config);
  try {
    const { url } = await troupe.listen();
    const res = await fetch(`${url}/api/v1/workers`);
    assert.is(res.status, 200);
    const body = (await res.json()) as { executor: string; waitingSteps: number; workers: Array<Record<string, unknown>> };
    assert.is(body.executor, 'bullmq');
    assert.is(body.waitingSteps, 0);
    assert.equal((body as { waiting?: unknown[] }).waiting, [], 'auth mode none acts as admin: the list is shown');
    const w = body.workers.find((x) => x.id === 'w-route')!;
    assert.ok(w, JSON.stringify(body));
    assert.equal(w.labels, { gpu: 'true' });
    assert.is(w.concurrency, 3);
    assert.equal(w.running, []);
    assert.is(w.draining, false);
    assert.ok(Date.now() - Date.parse(String(w.lastHeartbeatAt)) < 10_000);
    assert.not.match(JSON.stringify(body), /redis:\/\//, 'the Redis URL is not served');
    // The CLI asks the running server.
    const out: string[] = [];
    const code = await main(['workers', '--data', config.dataDir, '--json'], { out: (l) => void out.push(l), err: (l) => void out.push(l), readStdin: async () => '', env: {} });
    assert.is(code, 0, out.join('\n'));
    assert.ok((JSON.parse(out.join('\n')) as { workers: Array<{ id: string }> }).workers.some((x) => x.id === 'w-route'));
    // And straight from Redis.
    const direct: string[] = [];
    assert.is(await main(['workers', '--redis', redis.url, '--prefix', prefix], { out: (l) => void direct.push(l), err: (l) => void direct.push(l), readStdin: async () => '', env: {} }), 0);
    assert.match(direct.join('\n'), /w-route {2}host=\S+ {2}labels=gpu=true {2}running=0\/3/);
  } finally {
    await troupe.close();
    await worker.stop();
    await redis.stop();
  }
  // With the local executor the route still answers.
  const local = await createTroupe(parseConfig({ port: 0 }, { fileDir: dir, cwd: dir }));
  try {
    const { url } = await local.listen();
    assert.equal(await (await fetch(`${url}/api/v1/workers`)).json(), { executor: 'local', workers: [], waitingSteps: 0 });
  } finally {
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
