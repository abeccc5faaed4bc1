import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLogBudget, createOutputCapture } from './log-budget.ts';
import type { LogBudget, OutputCapture } from './log-budget.ts';
import type { FromLauncher, ToLauncher } from './launcher-protocol.ts';
import type { LogStream } from './port.ts';
import { killMarked, findMarked, pidCursor, pidsWrapped, signal } from './proc-scan.ts';
import type { PidCursor } from './proc-scan.ts';

type SpawnMessage = Extract<ToLauncher, { t: 'spawn' }>;

interface Running {
  id: string;
  child: ChildProcess;
  pid?: number;
  /** A signal that arrived before the process spawned: delivered on spawn. */
  pendingSignal?: NodeJS.Signals;
  /** Where pid allocation stood just before the spawn: the job's pids all come after it. */
  since: PidCursor | undefined;
  budget: LogBudget;
  capture?: OutputCapture;
  fds?: Record<LogStream, number>;
  /** Open output pipes; the log is complete when both closed. */
  open: number;
  drained?: () => void;
  finished: boolean;
  /** Resolves when `exited` has been sent. */
  done: Promise<void>;
  markDone: () => void;
}

export interface Launcher {
  handle(message: ToLauncher): void;
  /** Kills every job and waits for their ends (each still reports `exited`). */
  shutdown(): Promise<void>;
}

/** How long a finished job's pipes may stay open (held by a process without the marker) before they are cut. */
const DRAIN_MS = 2000;

function writeAll(fd: number, chunk: Uint8Array): void {
  for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off, chunk.byteLength - off);
}

/**
 * Starts step processes and sees each to its end. Every process runs as `<shell> … -c
 * <command>` in a new session (so its process group is its own), with both output streams
 * on pipes to this launcher, which bounds the log and captures `output:`. When the shell
 * exits, whatever the job left running (background children, `setsid` escapes: everything
 * still carrying its `TROUPE_JOB_ID`, and its process group) is SIGKILLed before `exited`
 * is sent. No timers of its own beyond the pipe drain: the cancel grace is the executor's.
 */
export function createLauncher(send: (message: FromLauncher) => void): Launcher {
  const jobs = new Map<string, Running>();
  const madeDirs = new Set<string>();

  function fail(id: string, error: string): void {
    send({ t: 'exited', id, exitCode: null, signal: null, error, log: { bytes: 0, truncated: false, droppedBytes: 0 }, killedLeftovers: 0 });
  }

  function openLogs(files: { stdout: string; stderr: string }): Record<LogStream, number> {
    for (const path of [files.stdout, files.stderr]) {
      const dir = dirname(path);
      if (madeDirs.has(dir)) continue;
      mkdirSync(dir, { recursive: true });
      if (madeDirs.size > 1000) madeDirs.clear();
      madeDirs.add(dir);
    }
    const stdout = openSync(files.stdout, 'a');
    try {
      return { stdout, stderr: files.stderr === files.stdout ? stdout : openSync(files.stderr, 'a') };
    } catch (error) {
      closeSync(stdout);
      throw error;
    }
  }

  function closeLogs(r: Running): void {
    if (!r.fds) return;
    closeSync(r.fds.stdout);
    if (r.fds.stderr !== r.fds.stdout) closeSync(r.fds.stderr);
    r.fds = undefined;
  }

  async function finish(r: Running, exitCode: number | null, sig: string | null, error?: string): Promise<void> {
    if (r.finished) return;
    r.finished = true;
    let leftovers = 0;
    if (r.pid !== undefined) {
      // The leader is reaped: its pid names the group only while no wraparound happened.
      const groups = pidsWrapped(r.since) ? [] : [r.pid];
      const killed = await killMarked({ jobIds: new Set([r.id]), since: r.since }, groups);
      leftovers = killed.get(r.id) ?? 0;
    }
    if (r.open > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_MS);
        r.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      // A process outside the job's marker and group still holds a pipe: stop listening.
      r.child.stdout?.destroy();
      r.child.stderr?.destroy();
    }
    let logError: string | undefined;
    try {
      closeLogs(r);
    } catch (e) {
      logError = (e as Error).message;
    }
    jobs.delete(r.id);
    const message: FromLauncher = { t: 'exited', id: r.id, exitCode, signal: sig, log: r.budget.summary(), killedLeftovers: leftovers };
    if (error !== undefined || logError !== undefined) message.error = error ?? `cannot write step log: ${logError}`;
    if (r.capture && error === undefined) Object.assign(message, r.capture.result());
    send(message);
    r.markDone();
  }

  function start(m: SpawnMessage): void {
    if (jobs.has(m.id)) return fail(m.id, `job ${m.id} is already running`);
    if (m.cwd !== undefined && !existsSync(m.cwd)) return fail(m.id, `working directory does not exist: ${m.cwd}`);
    let fds: Record<LogStream, number> | undefined;
    try {
      if (m.files) fds = openLogs(m.files);
    } catch (e) {
      return fail(m.id, `cannot open step log: ${(e as Error).message}`);
    }
    const since = pidCursor();
    let child: ChildProcess;
    try {
      child = spawn(m.shell, m.args, {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: m.env,
        ...(m.cwd !== undefined ? { cwd: m.cwd } : {}),
      });
    } catch (e) {
      if (fds) {
        closeSync(fds.stdout);
        if (fds.stderr !== fds.stdout) closeSync(fds.stderr);
      }
      return fail(m.id, (e as Error).message);
    }
    let markDone!: () => void;
    const done = new Promise<void>((resolve) => (markDone = resolve));
    const r: Running = {
      id: m.id,
      child,
      since,
      budget: createLogBudget(m.logBytes, (stream, chunk) => {
        if (r.fds) writeAll(r.fds[stream], chunk);
        else if (!m.files) send({ t: 'log', id: m.id, stream, chunk });
      }),
      ...(m.capture ? { capture: createOutputCapture(m.outputBytes) } : {}),
      ...(fds ? { fds } : {}),
      open: 2,
      finished: false,
      done,
      markDone,
    };
    jobs.set(m.id, r);
    const closed = () => {
      r.open -= 1;
      if (r.open === 0) r.drained?.();
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      r.capture?.add(chunk);
      r.budget.write('stdout', chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => r.budget.write('stderr', chunk));
    child.stdout!.once('close', closed);
    child.stderr!.once('close', closed);
    child.once('spawn', () => {
      r.pid = child.pid;
      send({ t: 'started', id: m.id, pid: child.pid! });
      if (r.pendingSignal) signalJob(m.id, r.pendingSignal);
    });
    child.once('error', (e) => {
      // Before 'spawn': the shell could not run (ENOENT, EACCES). After: a failed kill, ignored.
      if (r.pid === undefined) void finish(r, null, null, e.message);
    });
    child.once('exit', (code, sig) => void finish(r, code, sig));
  }

  function signalJob(id: string, sig: NodeJS.Signals): void {
    const r = jobs.get(id);
    if (!r || r.finished) return;
    if (r.pid === undefined) {
      // Not spawned yet (a cancel right after submit): keep the strongest signal for the spawn.
      if (r.pendingSignal !== 'SIGKILL') r.pendingSignal = sig;
      return;
    }
    // The leader is not reaped yet, so its pid still names the group.
    signal(-r.pid, sig);
    for (const p of findMarked({ jobIds: new Set([id]), since: r.since })) signal(p.pid, sig);
  }

  return {
    handle(message) {
      switch (message.t) {
        case 'spawn':
          return start(message);
        case 'signal':
          return signalJob(message.id, message.signal as NodeJS.Signals);
        case 'shutdown':
          void this.shutdown().then(() => send({ t: 'down' }));
          return;
      }
    },
    async shutdown() {
      const all = [...jobs.values()];
      for (const r of all) signalJob(r.id, 'SIGKILL');
      await Promise.all(all.map((r) => r.done));
    },
  };
}
