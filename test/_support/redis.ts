import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, createConnection } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A real redis-server owned by one test file, on a free port of 127.0.0.1. */
export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM, then waits for the process to be gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with an empty dataset (no persistence). */
  start(): Promise<void>;
}

/** A key prefix no other test (or parallel test file) uses. */
export function uniquePrefix(tag = 't'): string {
  return `troupe-test-${tag}-${randomBytes(4).toString('hex')}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    sock.setTimeout(500, () => { sock.destroy(); resolve(false); });
    sock.once('error', () => resolve(false));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) { sock.destroy(); resolve(buf.startsWith('+PONG')); }
    });
    sock.once('connect', () => sock.write('PING\r\n'));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function requireRedisServer(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not installed: these tests need a real Redis (apt-get install redis-server; .ci/run does it)');
  }
}

/** Starts a private redis-server (not daemonized: it is this process's child), with `persistent`, one that keeps its data across `stop()`/`start()`. */
export async function startRedis(options: { persistent?: boolean } = {}): Promise<TestRedis> {
  requireRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'troupe-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    // persistent: an append-only file fsynced on every write, so a restart keeps the dataset.
    const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', ...persistence, '--dir', dir], {
      stdio: 'ignore',
    });
    const c = child;
    await waitFor(async () => c.exitCode === null && (await ping(port)), `redis-server on port ${port}`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await gone;
  };
  await start();
  process.once('exit', () => child?.kill('SIGKILL'));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: async () => {
      await stop();
    },
  };
}

/**
 * The Redis for tests that do not restart it: the one `.ci/run` started
 * (`TROUPE_TEST_REDIS_URL`), else a private one. Share it safely with `uniquePrefix()`.
 */
export async function sharedRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env.TROUPE_TEST_REDIS_URL;
  if (url) return { url, stop: async () => {} };
  const r = await startRedis();
  return { url: r.url, stop: () => r.stop() };
}

/** Removes a temp dir, ignoring errors. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
