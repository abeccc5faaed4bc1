import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTroupe } from '../../src/app.ts';
import { main } from '../../src/cli/main.ts';
import { defaultConfig, parseConfig } from '../../src/config.ts';
import { createMemoryLogger } from '../../src/core/logger.ts';
import { configuredRedisUrl, openConfiguredExecutor } from '../../src/workers/open-executor.ts';
import { redactRedisUrl } from '../../src/workers/redis.ts';

const problems = (raw: unknown): string => {
  try {
    parseConfig(raw, { cwd: '/cwd' });
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

test('executor config: local by default; bullmq with url, prefix and the loss bound', () => {
  assert.equal(defaultConfig('/cwd').executor, { type: 'local', redisUrl: '', prefix: 'troupe', workerLostAfterSec: 30 });
  const c = parseConfig({ executor: { type: 'bullmq', redis_url: 'rediss://u:p@redis.internal:6380/2', prefix: 'prod', worker_lost_after_sec: 10 } }, { cwd: '/cwd' });
  assert.equal(c.executor, { type: 'bullmq', redisUrl: 'rediss://u:p@redis.internal:6380/2', prefix: 'prod', workerLostAfterSec: 10 });
});

test('executor config: bad values are clear errors with their path', () => {
  assert.match(problems({ executor: { type: 'celery' } }), /executor\.type: must be one of local, bullmq/);
  assert.match(problems({ executor: { type: 'bullmq', redis_url: 'http://x' } }), /executor\.redis_url: must be a redis:\/\/ or rediss:\/\/ URL/);
  assert.match(problems({ executor: { prefix: 'a b' } }), /executor\.prefix/);
  assert.match(problems({ executor: { redis: 'x' } }), /executor\.redis: unknown key/);
  assert.match(problems({ executor: { worker_lost_after_sec: 0 } }), /executor\.worker_lost_after_sec: must be at least 1/);
});

test('TROUPE_REDIS_URL overrides the file; bullmq without any URL is refused', async () => {
  const c = parseConfig({ executor: { type: 'bullmq' } }, { cwd: '/cwd' });
  assert.is(configuredRedisUrl(c, {}), undefined);
  assert.is(configuredRedisUrl(c, { TROUPE_REDIS_URL: 'redis://env:1' }), 'redis://env:1');
  const saved = process.env.TROUPE_REDIS_URL;
  delete process.env.TROUPE_REDIS_URL;
  try {
    await openConfiguredExecutor(c, createMemoryLogger());
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /executor\.redis_url is required/);
  } finally {
    if (saved !== undefined) process.env.TROUPE_REDIS_URL = saved;
  }
  assert.is(await openConfiguredExecutor(defaultConfig('/cwd'), createMemoryLogger()), undefined);
});

test('redactRedisUrl hides the password only', () => {
  assert.is(redactRedisUrl('redis://ops:s3cret@10.0.0.5:6379/1'), 'redis://ops:***@10.0.0.5:6379/1');
  assert.is(redactRedisUrl('redis://:s3cret@h:1'), 'redis://:***@h:1');
  assert.is(redactRedisUrl('redis://h:1'), 'redis://h:1');
  assert.is(redactRedisUrl('not a url s3cret'), '<invalid redis url>');
});

test('the server refuses to start when Redis cannot be reached: clear message, exit 1, no password, data dir left unlocked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-noredis-'));
  try {
    const file = join(dir, 'troupe.yaml');
    writeFileSync(file, `port: 0\ndata_dir: data\ndags_dir: dags\nexecutor:\n  type: bullmq\n  redis_url: redis://ops:s3cret-pw@127.0.0.1:1\n`);
    const err: string[] = [];
    const out: string[] = [];
    const code = await main(['server', '--config', file], { out: (l) => void out.push(l), err: (l) => void err.push(l), readStdin: async () => '', env: {} });
    assert.is(code, 1);
    const text = [...err, ...out].join('\n');
    assert.match(text, /cannot reach Redis at redis:\/\/ops:\*\*\*@127\.0\.0\.1:1/);
    assert.not.match(text, /s3cret/);
    // Nothing holds the store: a server with the local executor opens the same directory.
    const config = { ...parseConfig({ data_dir: 'data', dags_dir: 'dags', port: 0 }, { fileDir: dir, cwd: dir }) };
    const troupe = await createTroupe(config);
    await troupe.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
