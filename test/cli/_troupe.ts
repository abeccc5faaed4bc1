import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin/troupe.js');

export interface Result {
  code: number | null;
  out: string;
  err: string;
}

/** The environment of a troupe process working on `dir`'s data and dags directories. */
export function envFor(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TROUPE_DATA_DIR: join(dir, 'data'), TROUPE_DAGS_DIR: join(dir, 'dags'), NO_COLOR: '1', ...extra };
  delete env.TROUPE_CONFIG;
  delete env.TROUPE_PORT;
  delete env.TROUPE_DEBUG;
  return { ...env, ...extra };
}

/** Runs the real `bin/troupe.js` to completion. */
export function troupe(dir: string, args: string[], o: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: o.cwd ?? dir, env: envFor(dir, o.env), encoding: 'utf8', timeout: 120_000, input: o.input ?? '' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A long-running troupe process (server) with its output collected. */
export interface Running {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  /** Resolves with the first match of `re` in stdout+stderr. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

export function spawnTroupe(command: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Running {
  const child = spawn(command, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    waitFor(re, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out + err);
          if (m) {
            clearInterval(timer);
            clearTimeout(deadline);
            resolve(m);
          }
        };
        const timer = setInterval(check, 50);
        const deadline = setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`timed out waiting for ${re}\nstdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        check();
      });
    },
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** No stack trace in a command's output. */
export function hasStack(text: string): boolean {
  return /^\s+at .+[:(]\d+/m.test(text) || /Error: .*\n\s+at /.test(text);
}
