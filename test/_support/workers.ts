import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;

export interface WorkerProcessOptions {
  redisUrl: string;
  prefix: string;
  id: string;
  labels?: Record<string, string>;
  concurrency?: number;
  /** @defaultValue 200 */
  heartbeatMs?: number;
  /** @defaultValue 1000 */
  ttlMs?: number;
  graceSec?: number;
}

/** A real `troupe worker` process. */
export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  workDir: string;
  output(): string;
  /** Sends the signal and waits for the process to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `troupe worker` and waits until it says it is running. */
export async function spawnWorker(o: WorkerProcessOptions): Promise<WorkerProcess> {
  const workDir = mkdtempSync(join(tmpdir(), `troupe-worker-${o.id}-`));
  const labels = Object.entries(o.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const args = ['--import', 'tsx', MAIN, 'worker', '--redis', o.redisUrl, '--prefix', o.prefix, '--id', o.id, '--concurrency', String(o.concurrency ?? 4),
    '--work-dir', workDir, '--heartbeat-ms', String(o.heartbeatMs ?? 200), '--ttl-ms', String(o.ttlMs ?? 1000), '--grace-sec', String(o.graceSec ?? 5)];
  if (labels) args.push('--labels', labels);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TROUPE_LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    const until = Date.now() + 30_000;
    const check = () => {
      if (out.includes(`troupe worker ${o.id} `)) return resolve();
      if (child.exitCode !== null) return reject(new Error(`worker ${o.id} exited: ${out}`));
      if (Date.now() > until) return reject(new Error(`worker ${o.id} did not start: ${out}`));
      setTimeout(check, 25);
    };
    check();
  });
  return {
    id: o.id,
    child,
    workDir,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
