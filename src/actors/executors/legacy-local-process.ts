import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StepExecutor, StepExit, StepLaunch, StepProcess } from '../ports.ts';

const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Field 22 of a `/proc/<pid>/stat` line: the start time in clock ticks since boot. */
function parseStartTime(stat: string): number | undefined {
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(rest[19]);
  return Number.isFinite(start) ? start : undefined;
}

/** Start time of a process in clock ticks since boot, if readable. */
export function processStartTime(pid: number): number | undefined {
  try {
    return parseStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * True when some non-zombie process belongs to group `pgid`. `kill(-pgid, 0)` is not enough:
 * orphaned members linger as zombies until init reaps them.
 */
export function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // rest[0] = state, rest[2] = pgrp
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

function readFrom(path: string, offset: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.max(0, Math.min(size - offset, MAX_OUTPUT_BYTES));
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Waits for group `pgid` to be gone, sending SIGKILL once `killAt` (epoch ms) has passed. */
async function reapGroup(pgid: number, killAt: number): Promise<void> {
  let killed = false;
  for (let i = 0; i < 500 && groupAlive(pgid); i++) {
    if (!killed && Date.now() >= killAt) {
      signalGroup(pgid, 'SIGKILL');
      killed = true;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface LocalProcessExecutorOptions {
  /** Grace period between the stop signal and SIGKILL. @defaultValue 2000 */
  killGraceMs?: number;
}

/**
 * Runs each step as `<shell> -c <command>` in its own process group (detached), with stdout
 * and stderr written straight to files: no pipes, so output survives a crash of the runtime
 * and a background child cannot hold a pipe open. Completion is the `exit` event.
 */
export function createLegacyLocalProcessExecutor(options: LocalProcessExecutorOptions = {}): StepExecutor {
  const grace = options.killGraceMs ?? 2000;
  // Every step of a run attempt logs into one directory: create it once, not per step.
  const madeDirs = new Set<string>();

  function launch(spec: StepLaunch): StepProcess {
    const dir = dirname(spec.stdoutPath);
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      if (madeDirs.size > 1000) madeDirs.clear();
      madeDirs.add(dir);
    }
    const out = openSync(spec.stdoutPath, 'a');
    const err = openSync(spec.stderrPath, 'a');
    const offset = fstatSync(out).size;
    const [shell, ...shellArgs] = spec.shell.length > 0 ? spec.shell : ['/bin/sh'];
    if (spec.cwd !== undefined && !existsSync(spec.cwd)) {
      closeSync(out);
      closeSync(err);
      throw new Error(`working directory does not exist: ${spec.cwd}`);
    }
    let child;
    try {
      child = spawn(shell!, [...shellArgs, '-c', spec.command], {
        detached: true,
        stdio: ['ignore', out, err],
        env: spec.env,
        ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      });
    } finally {
      // The child holds its own copies of the descriptors.
      closeSync(out);
      closeSync(err);
    }
    const pid = child.pid;
    let escalation: NodeJS.Timeout | undefined;
    let killRequestedAt: number | undefined;
    const exited = new Promise<StepExit>((resolve) => {
      child.once('error', (e) => resolve({ exitCode: null, signal: null, error: e.message }));
      child.once('exit', async (code, signal) => {
        if (escalation) clearTimeout(escalation);
        // A stopped step is reported done only once its whole group is gone: members of the
        // group may outlive the shell that led it.
        if (killRequestedAt !== undefined && pid !== undefined) await reapGroup(pid, killRequestedAt + grace);
        const result: StepExit = { exitCode: code, signal };
        if (spec.captureOutput) result.output = readFrom(spec.stdoutPath, offset).replace(/\s+$/, '');
        resolve(result);
      });
    });
    if (pid === undefined) {
      return { pid: -1, exited, kill: () => {} };
    }
    const pidStart = processStartTime(pid);
    return {
      pid,
      ...(pidStart !== undefined ? { pidStart } : {}),
      exited,
      kill(signal: string) {
        killRequestedAt ??= Date.now();
        signalGroup(pid, signal as NodeJS.Signals);
        if (escalation) return;
        // Escalate: a step may trap or ignore the polite signal.
        escalation = setTimeout(() => {
          if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
        }, grace);
        escalation.unref();
      },
    };
  }

  async function reap(pid: number, pidStart?: number): Promise<void> {
    // A pid reused by an unrelated process after a reboot must not be killed.
    if (pidStart !== undefined) {
      const now = processStartTime(pid);
      if (now !== undefined && now !== pidStart) return;
    }
    if (!groupAlive(pid)) return;
    signalGroup(pid, 'SIGKILL');
    for (let i = 0; i < 50 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  }

  return { launch, reap, groupAlive };
}
